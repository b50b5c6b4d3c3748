"""Step 2 into a gallery that is deleted meanwhile, on real SQLite and PostgreSQL: finalize is
one unit, so either the image is active and in the gallery, or it is refused with a field
error and the upload stays pending exactly as it was."""

from __future__ import annotations

import threading
import time
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Gallery, GalleryImage, Image, ImageTag, Rendition, Tag
from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import GalleryUnavailable
from imageapp.services.galleries import GalleryService
from imageapp.services.storage import Storage
from imageapp.services.uploads import PendingUpload, UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes
from tests.stored import image_names
from tests.support.races import on_first_write

WRITES = ("image", "image_tag", "tag", "gallery", "gallery_image")


def pending_of(uploads: UploadService, user: CurrentUser) -> PendingUpload:
    return uploads.create_pending(
        stream=BytesIO(jpeg_bytes((60, 40))),
        filename="harbour.jpg",
        owner=user.upload_owner,
        store_id=user.store_id,
        uploaded_by=user.id,
    )


def finalize_into(uploads: UploadService, user: CurrentUser, token: str, gallery: int) -> int:
    return uploads.finalize(
        token=token,
        owner=user.upload_owner,
        metadata=metadata("Harbour", tags="sea, boats"),
        gallery_id=gallery,
    )


def row_of(engine: Engine, image_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(sa.select(Image).where(col(Image.id) == image_id)).mappings()
        return dict(row.one())


def count(engine: Engine, table: type[Any]) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def assert_untouched(
    uploads: UploadService,
    storage: Storage,
    engine: Engine,
    user: CurrentUser,
    pending: PendingUpload,
    before: dict[str, Any],
) -> None:
    """Still pending, as it was: same row, temp file, no original, no tags, no placements."""
    assert uploads.get_pending(token=pending.upload_token, owner=user.upload_owner) == pending
    assert row_of(engine, pending.image_id) == before
    assert storage.exists(pending.temp_path)
    assert image_names(storage) == []
    for table in (ImageTag, Tag, GalleryImage, Rendition):
        assert count(engine, table) == 0, table


def test_a_gallery_deleted_before_complete_is_a_field_error_and_nothing_changes(
    uploads: UploadService, storage: Storage, engine: Engine, alice: CurrentUser
) -> None:
    galleries = GalleryService(engine)
    summer = galleries.create(store_id=alice.store_id, title="Summer")
    pending = pending_of(uploads, alice)
    before = row_of(engine, pending.image_id)
    galleries.delete(store_id=alice.store_id, gallery_id=summer)

    with pytest.raises(GalleryUnavailable) as refused:
        finalize_into(uploads, alice, pending.upload_token, summer)

    assert refused.value.errors == {"gallery_id": GalleryUnavailable.MESSAGE}
    assert refused.value.gallery_id == summer
    assert_untouched(uploads, storage, engine, alice, pending, before)


def test_a_delete_committed_while_finalize_runs_either_wins_or_waits(
    uploads: UploadService, storage: Storage, engine: Engine, alice: CurrentUser
) -> None:
    """Another connection has deleted the gallery but not committed yet (it holds the row's
    lock), so finalize still sees the gallery when it starts; the delete commits once finalize
    is writing. Finalize must see it gone, not activate the image and then fail to place it."""
    summer = GalleryService(engine).create(store_id=alice.store_id, title="Summer")
    pending = pending_of(uploads, alice)
    before = row_of(engine, pending.image_id)
    writing = threading.Event()
    outcome: list[object] = []

    def complete() -> None:
        try:
            outcome.append(finalize_into(uploads, alice, pending.upload_token, summer))
        except Exception as exc:  # asserted below
            outcome.append(exc)

    with engine.connect() as other:
        deleting = other.begin()
        other.execute(sa.delete(Gallery).where(col(Gallery.id) == summer))
        with on_first_write(engine, WRITES, writing.set) as fired:
            worker = threading.Thread(target=complete)
            worker.start()
            assert writing.wait(30), "finalize never started writing"
            wait_for_a_lock_wait(engine)
            deleting.commit()
            worker.join(30)
    assert fired
    (result,) = outcome
    assert isinstance(result, GalleryUnavailable), result
    assert_untouched(uploads, storage, engine, alice, pending, before)
    # The upload is as good as before: without a gallery it completes.
    image_id = uploads.finalize(
        token=pending.upload_token, owner=alice.upload_owner, metadata=metadata("Harbour")
    )
    assert row_of(engine, image_id)["status"] == "active"


def wait_for_a_lock_wait(engine: Engine) -> None:
    """On PostgreSQL, until a backend waits for a row lock: finalize really is blocked by the
    uncommitted delete. (SQLite cannot show it; there the write waits for the database lock
    whether or not it has started waiting yet, so the outcome is the same.)"""
    if engine.dialect.name != "postgresql":
        return
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            if watcher.scalar(query):
                return
            time.sleep(0.01)
    pytest.fail("finalize never waited for the gallery's lock")
