"""Cleanup of pending uploads: expiry, batching, races with finalize, orphan files."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import Image, ImageStatus, utcnow
from imageapp.services.cleanup import DiskImageCleanupService, ImageCleanupService
from imageapp.services.errors import UploadNotFound
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
from tests.services.test_uploads import row_count, stored_files


def age(engine: Engine, image_id: int, minutes: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.update(Image)
            .where(Image.id == image_id)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )


def test_disk_cleanup_satisfies_the_protocol(cleanup: DiskImageCleanupService) -> None:
    service: ImageCleanupService = cleanup
    assert service.cleanup_expired_pending(timedelta(minutes=60)) == 0


def test_expired_cleanup_removes_old_pending_only(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    engine: Engine,
    storage: Storage,
) -> None:
    old = pending_upload(uploads)
    fresh = pending_upload(uploads)
    finished = pending_upload(uploads)
    active_id = uploads.finalize(
        token=finished.upload_token, owner="session-1", metadata=metadata()
    )
    age(engine, old.image_id, 120)
    age(engine, active_id, 120)

    assert cleanup.count_expired_pending(timedelta(minutes=60)) == 1
    assert cleanup.cleanup_expired_pending(timedelta(minutes=60)) == 1

    with engine.connect() as connection:
        left = dict(connection.execute(sa.select(Image.id, Image.status)).all())
    assert left == {fresh.image_id: ImageStatus.PENDING, active_id: ImageStatus.ACTIVE}
    assert not storage.exists(old.temp_path)
    assert storage.exists(fresh.temp_path)
    assert len(stored_files(storage)["images"]) == 1


def test_cleanup_tolerates_a_temp_file_already_gone(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
    engine: Engine,
) -> None:
    pending = pending_upload(uploads)
    storage.delete(pending.temp_path)
    assert cleanup.cleanup_single_pending(pending.upload_token) is True
    assert row_count(engine) == 0


def test_single_cleanup_leaves_a_finalized_image_alone(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
) -> None:
    pending = pending_upload(uploads)
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert cleanup.cleanup_single_pending(pending.upload_token) is False
    assert image_id
    assert len(stored_files(storage)["images"]) == 1


def test_cleanup_removes_a_half_promoted_file(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
) -> None:
    """A finalize that died after linking the permanent file leaves nothing once cleaned up."""
    pending = pending_upload(uploads)
    storage.promote(pending.temp_path)
    assert cleanup.cleanup_single_pending(pending.upload_token)
    assert stored_files(storage) == {"temp": [], "images": []}


@pytest.mark.local_storage_only  # ages files with os.utime (S3: test_s3_storage.py)
def test_orphan_temp_files_are_swept_after_the_ttl(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
) -> None:
    pending = pending_upload(uploads)
    orphan_old = storage.temp_dir / "0b7c4a0e-0000-4000-8000-000000000000.jpg"
    orphan_new = storage.temp_dir / "0b7c4a0e-0000-4000-8000-000000000001.jpg"
    orphan_old.write_bytes(b"x")
    orphan_new.write_bytes(b"x")
    long_ago = time.time() - 7200
    os.utime(orphan_old, (long_ago, long_ago))
    os.utime(storage.path_of(pending.temp_path), (long_ago, long_ago))
    assert cleanup.sweep_orphan_temp_files(timedelta(minutes=60)) == 1
    assert not orphan_old.exists()
    assert orphan_new.exists()
    assert storage.exists(pending.temp_path)  # its row refers to it


def test_cleanup_of_many_expired_rows_in_batches(engine: Engine, storage: Storage) -> None:
    count = 10_000
    cutoff_age = utcnow() - timedelta(days=1)
    rows = [
        {
            "status": "pending",
            "upload_token": f"00000000-0000-4000-8000-{n:012d}",
            "upload_owner": "s",
            "temp_path": f"temp/missing-{n}.jpg",
            "original_filename": "x.jpg",
            "mime_type": "image/jpeg",
            "size_bytes": 1,
            "width": 1,
            "height": 1,
            "created_at": cutoff_age,
            "updated_at": cutoff_age,
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Image), rows)
    service = DiskImageCleanupService(engine, storage, batch_size=1000)
    assert service.cleanup_expired_pending(timedelta(minutes=60)) == count
    assert row_count(engine) == 0


@pytest.mark.parametrize("rounds", [15])
def test_finalize_racing_cleanup_has_one_winner_and_no_orphans(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
    engine: Engine,
    rounds: int,
) -> None:
    outcomes = set()
    for _ in range(rounds):
        pending = pending_upload(uploads)
        barrier = threading.Barrier(2)
        result: dict[str, object] = {}

        def finalize(
            token: str = pending.upload_token,
            out: dict[str, object] = result,
            barrier: threading.Barrier = barrier,
        ) -> None:
            barrier.wait()
            try:
                out["finalized"] = uploads.finalize(
                    token=token, owner="session-1", metadata=metadata()
                )
            except UploadNotFound:
                out["finalized"] = None

        def clean(out: dict[str, object] = result, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            out["cleaned"] = cleanup.cleanup_expired_pending(timedelta(0))

        threads = [threading.Thread(target=finalize), threading.Thread(target=clean)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with engine.connect() as connection:
            row = connection.execute(
                sa.select(Image.status, Image.file_path).where(Image.id == pending.image_id)
            ).first()
        finalized, cleaned = result["finalized"] is not None, result["cleaned"] == 1
        assert finalized != cleaned, result  # exactly one of them won
        if finalized:
            assert row is not None
            assert row.status == ImageStatus.ACTIVE
            assert storage.exists(row.file_path)
            outcomes.add("finalize")
        else:
            assert row is None
            outcomes.add("cleanup")
        assert stored_files(storage)["temp"] == []
        with engine.connect() as connection:
            referenced = set(connection.scalars(sa.select(Image.file_path)))
        assert {f"images/{name}" for name in stored_files(storage)["images"]} == referenced
    assert outcomes  # the loop ran; which side wins depends on timing


@pytest.mark.local_storage_only  # ages files with os.utime (S3: test_s3_storage.py)
def test_orphan_originals_are_swept_but_referenced_ones_stay(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    storage: Storage,
) -> None:
    finished = pending_upload(uploads)
    uploads.finalize(token=finished.upload_token, owner="session-1", metadata=metadata())
    in_progress = pending_upload(uploads)
    linked = storage.promote(in_progress.temp_path)  # a finalize between link and commit
    orphan = storage.images_dir / "0b7c4a0e-0000-4000-8000-00000000abcd.jpg"
    orphan.write_bytes(b"x")
    long_ago = time.time() - 7200
    for path in storage.images_dir.iterdir():
        os.utime(path, (long_ago, long_ago))
    assert cleanup.sweep_orphan_originals(timedelta(minutes=60)) == 1
    assert not orphan.exists()
    assert storage.exists(linked)
    assert storage.exists(storage.permanent_name_for(finished.temp_path))
