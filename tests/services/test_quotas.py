"""Store quotas under concurrency, on real SQLite and PostgreSQL: step 1s arriving at the same
moment are checked one after the other, so together they never pass the store's limit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import Image
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.errors import UploadRejected
from imageapp.services.storage import Storage
from imageapp.services.uploads import PendingUpload, UploadService
from tests.factories import a_store
from tests.images import jpeg_bytes
from tests.stored import stored_paths

CONCURRENT_UPLOADS = 12


def step_ones_at_once(
    uploads: UploadService, user: CurrentUser, data: bytes
) -> tuple[list[PendingUpload], list[UploadRejected]]:
    """CONCURRENT_UPLOADS step 1s of ``data``, released together; what was kept and refused.
    Any other exception fails the test (it is re-raised by ``result()``)."""
    start = threading.Barrier(CONCURRENT_UPLOADS)

    def step_one(_n: int) -> PendingUpload | UploadRejected:
        start.wait()
        try:
            return uploads.create_pending(
                stream=BytesIO(data),
                filename="p.jpg",
                owner=user.upload_owner,
                store_id=user.store_id,
                uploaded_by=user.id,
            )
        except UploadRejected as refusal:
            return refusal

    with ThreadPoolExecutor(CONCURRENT_UPLOADS) as pool:
        futures = [pool.submit(step_one, n) for n in range(CONCURRENT_UPLOADS)]
        outcomes = [future.result() for future in futures]
    kept = [o for o in outcomes if isinstance(o, PendingUpload)]
    refused = [o for o in outcomes if isinstance(o, UploadRejected)]
    return kept, refused


def assert_only_kept(engine: Engine, storage: Storage, kept: list[PendingUpload]) -> None:
    """The kept uploads' rows and temp files, and nothing else (refusals leave nothing)."""
    with engine.connect() as connection:
        ids = connection.scalars(sa.select(Image.id)).all()
    assert sorted(ids) == sorted(p.image_id for p in kept)
    temp = sorted(stored_paths(storage, "temp"))
    assert temp == sorted(p.temp_path for p in kept)


def test_concurrent_step_ones_keep_exactly_the_image_quota(
    uploads: UploadService, engine: Engine, storage: Storage, alice: CurrentUser
) -> None:
    AccountService(engine).set_store_quota(store_name="Harbour", max_images=1, max_bytes=None)
    kept, refused = step_ones_at_once(uploads, alice, jpeg_bytes((200, 150)))
    assert len(kept) == 1
    assert len(refused) == CONCURRENT_UPLOADS - 1
    assert {r.code for r in refused} == {"quota_images"}
    assert "reached its limit of 1 images" in refused[0].message
    assert_only_kept(engine, storage, kept)


def test_concurrent_step_ones_keep_within_the_byte_quota(
    uploads: UploadService, engine: Engine, storage: Storage, alice: CurrentUser
) -> None:
    data = jpeg_bytes((200, 150))
    probe = uploads.create_pending(
        stream=BytesIO(data), filename="p.jpg", owner="probe", store_id=a_store(engine, "Probe")
    )
    uploads.cancel(token=probe.upload_token, owner="probe")  # its stored size, then nothing kept
    # Room for two images and a half: exactly two fit.
    quota = 2 * probe.size_bytes + probe.size_bytes // 2
    AccountService(engine).set_store_quota(store_name="Harbour", max_images=None, max_bytes=quota)
    kept, refused = step_ones_at_once(uploads, alice, data)
    assert len(kept) == 2
    assert len(refused) == CONCURRENT_UPLOADS - 2
    assert {r.code for r in refused} == {"quota_bytes"}
    assert "past its storage limit" in refused[0].message
    assert_only_kept(engine, storage, kept)
