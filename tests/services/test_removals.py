"""Deleting images: rows at once, their own files (and no others) by a job after the commit, on
real SQLite and PostgreSQL, the database's own queue, real files; crashes, repeats and races."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path, PosixPath

import pytest
import sqlalchemy as sa
from huey import Huey
from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.jobs.broker import open_huey
from imageapp.jobs.tasks import REMOVAL_GRACE, Jobs, register
from imageapp.models import FileRemoval, Image, Rendition, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.removals import remove_batch
from imageapp.services.storage import LocalStorage, Storage
from imageapp.services.uploads import UploadService
from tests.factories import RENDITIONS_PER_IMAGE, metadata, pending_upload, stored_images
from tests.images import jpeg_bytes
from tests.stored import put_bytes

pytestmark = pytest.mark.real_queue


@pytest.fixture
def jobs(settings: Settings) -> Iterator[Jobs]:
    """A queue of its own on the database's broker (a SQLite file beside it, or PostgreSQL)."""
    jobs = register(open_huey(settings.resolved_queue_url(), name=f"test-{uuid.uuid4().hex[:12]}"))
    yield jobs
    jobs.huey.storage.flush_all()
    jobs.huey.storage.close()


@pytest.fixture
def queued_cleanup(engine: Engine, storage: Storage, jobs: Jobs) -> DiskImageCleanupService:
    return DiskImageCleanupService(engine, storage, removals=jobs)


@pytest.fixture
def inline_uploads(
    engine: Engine, storage: Storage, settings: Settings, cleanup: DiskImageCleanupService
) -> UploadService:
    """Finalize makes the renditions at once (no queue): the images to delete have them."""
    return UploadService(engine=engine, storage=storage, settings=settings, cleanup=cleanup)


class LostQueue:
    """A crash between the commit and the enqueue: the removal job never reaches the queue."""

    def enqueue_removal(self, batch: str) -> None:
        raise ConnectionError("the process died before queueing the job")


def finished(uploads: UploadService, seed: int) -> int:
    pending = pending_upload(uploads, data=jpeg_bytes((320, 240), seed=seed))
    return uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


def files_of(engine: Engine, image_id: int) -> set[str]:
    """The stored paths the image's rows name: its original and its renditions."""
    with engine.connect() as connection:
        original = connection.scalar(sa.select(Image.file_path).where(Image.id == image_id))
        renditions = connection.scalars(
            sa.select(Rendition.path).where(Rendition.image_id == image_id)
        )
        return {original or "", *renditions}


def existing(storage: Storage, paths: set[str]) -> set[str]:
    return {path for path in paths if storage.exists(path)}


def removals_left(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(FileRemoval)) or 0


def run_queued(huey: Huey) -> list[str]:
    """Be a worker until the queue is empty; returns the names of the jobs run."""
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran


def age_removals(engine: Engine, by: timedelta) -> None:
    with engine.begin() as connection:
        connection.execute(sa.update(FileRemoval).values(created_at=utcnow() - by))


def original_of(engine: Engine, image_id: int) -> str:
    with engine.connect() as connection:
        return connection.scalar(sa.select(Image.file_path).where(Image.id == image_id)) or ""


def test_delete_answers_at_once_and_the_job_removes_exactly_the_images_files(
    inline_uploads: UploadService,
    queued_cleanup: DiskImageCleanupService,
    jobs: Jobs,
    engine: Engine,
    storage: Storage,
) -> None:
    kept, gone_a, gone_b = (finished(inline_uploads, seed) for seed in (1, 2, 3))
    doomed = files_of(engine, gone_a) | files_of(engine, gone_b)
    assert len(doomed) == 2 * (1 + RENDITIONS_PER_IMAGE)  # two originals and their renditions
    # A finalize that died after its commit, before unlinking the temp name, left this:
    leftover = "temp/" + original_of(engine, gone_a).rpartition("/")[2]
    put_bytes(storage, leftover, b"left by a crash")
    others = files_of(engine, kept)

    assert queued_cleanup.delete_images([gone_a, gone_b]) == 2

    with engine.connect() as connection:
        assert set(connection.scalars(sa.select(Image.id))) == {kept}  # gone from every page now
    assert existing(storage, doomed) == doomed  # the files wait for the job
    assert run_queued(jobs.huey) == ["files.remove"]
    assert existing(storage, doomed | {leftover}) == set()
    assert existing(storage, others) == others
    assert removals_left(engine) == 0


def test_a_removal_job_run_twice_or_retried_does_no_harm(
    inline_uploads: UploadService,
    queued_cleanup: DiskImageCleanupService,
    jobs: Jobs,
    engine: Engine,
    storage: Storage,
) -> None:
    image_id = finished(inline_uploads, seed=1)
    doomed = files_of(engine, image_id)
    assert queued_cleanup.delete_image(image_id) is True
    [task] = jobs.huey.pending()
    (batch,) = task.args
    jobs.enqueue_removal(batch)  # queued twice, e.g. by the delete and by reconcile
    assert run_queued(jobs.huey) == ["files.remove", "files.remove"]
    assert existing(storage, doomed) == set()
    assert remove_batch(engine, storage, batch) == 0  # a third time: nothing left to do
    assert queued_cleanup.delete_image(image_id) is False  # and nothing queued for it
    assert jobs.huey.pending_count() == 0


@pytest.mark.local_storage_only  # unmounts the directory
def test_a_failed_removal_is_retried_and_then_finishes(
    inline_uploads: UploadService,
    queued_cleanup: DiskImageCleanupService,
    jobs: Jobs,
    engine: Engine,
    storage: Storage,
) -> None:
    image_id = finished(inline_uploads, seed=1)
    doomed = files_of(engine, image_id)
    queued_cleanup.delete_image(image_id)
    images = storage.images_dir
    aside = images.with_name("images-unmounted")
    images.rename(aside)  # the storage is gone (unmounted disk): a real OSError
    images.write_text("not a directory")
    try:
        assert run_queued(jobs.huey) == ["files.remove"]
        [retry] = jobs.huey.scheduled()
        assert retry.retries == 4
    finally:
        images.unlink()
        aside.rename(images)
    assert existing(storage, doomed) == doomed
    assert removals_left(engine) > 0  # still recorded: nothing is lost
    jobs.huey.execute(jobs.huey.read_schedule(retry.eta)[0], timestamp=retry.eta)
    assert existing(storage, doomed) == set()
    assert removals_left(engine) == 0


def test_reconcile_finishes_a_removal_lost_between_commit_and_enqueue(
    inline_uploads: UploadService,
    engine: Engine,
    storage: Storage,
    jobs: Jobs,
) -> None:
    lost, recent = finished(inline_uploads, seed=1), finished(inline_uploads, seed=2)
    doomed, later = files_of(engine, lost), files_of(engine, recent)
    crashed = DiskImageCleanupService(engine, storage, removals=LostQueue())
    assert crashed.delete_image(lost) is True  # the delete stands all the same
    assert jobs.huey.pending_count() == 0
    assert existing(storage, doomed) == doomed
    age_removals(engine, REMOVAL_GRACE + timedelta(seconds=5))
    crashed.delete_image(recent)  # lost too, but just now: its job may still be on its way

    jobs.reconcile_removals()  # what a worker's start (and every 10 minutes) queues
    assert run_queued(jobs.huey) == ["files.reconcile", "files.remove"]
    assert existing(storage, doomed) == set()
    assert existing(storage, later) == later
    assert removals_left(engine) == len(later) + 1  # and its temp name

    age_removals(engine, REMOVAL_GRACE + timedelta(seconds=5))
    jobs.reconcile()
    assert "files.remove" in run_queued(jobs.huey)
    assert existing(storage, later) == set()
    assert removals_left(engine) == 0


class ListingCounter:
    """Counts the listings of the storage's directories (a real subclass, real files)."""

    def __init__(self) -> None:
        self.listings = 0

    def directory(self, path: Path) -> Path:
        counter = self

        class CountedDirectory(PosixPath):
            def iterdir(self) -> Iterator[Path]:
                counter.listings += 1
                return super().iterdir()

        return CountedDirectory(path)


class ListingCountedStorage(LocalStorage):
    def __init__(self, root: Path, counter: ListingCounter) -> None:
        super().__init__(root)
        self.temp_dir = counter.directory(self.temp_dir)
        self.images_dir = counter.directory(self.images_dir)


def test_deleting_lists_no_directory_however_many_files_the_library_holds(
    engine: Engine, settings: Settings
) -> None:
    """A delete's cost follows the deleted images' own files, never the library's size."""
    counter = ListingCounter()
    storage = ListingCountedStorage(settings.storage_dir, counter)
    library = stored_images(engine, storage, store_id=None, count=3000)  # type: ignore[arg-type]
    deleted = library[:20]
    doomed = {original_of(engine, image_id) for image_id in deleted}
    cleanup = DiskImageCleanupService(engine, storage)  # removes at once, in the caller

    assert cleanup.delete_images(deleted) == 20
    cleanup.delete_image(library[20])

    assert existing(storage, doomed) == set()
    assert sum(1 for _ in storage.images_dir.iterdir()) == 3000 - 21
    assert counter.listings == 1  # the line above; the deletes listed nothing


def test_a_rendition_recorded_while_the_image_is_deleted_is_removed_with_it(
    inline_uploads: UploadService,
    cleanup: DiskImageCleanupService,
    engine: Engine,
    storage: Storage,
) -> None:
    """A rebuild records a new rendition in a transaction the delete has to wait for: the
    delete then sees that row, so its file goes too (and is not left for a sweep)."""
    image_id = finished(inline_uploads, seed=1)
    stem = original_of(engine, image_id).rpartition("/")[2].partition(".")[0]
    late = storage.write_image_file(f"{stem}.late.0123456789abcdef.0badcafe.webp", b"new copy")
    doomed = files_of(engine, image_id) | {late}
    with engine.connect() as rebuild:
        rebuild.begin()  # as RenditionService.generate records its rows
        rebuild.execute(
            sa.insert(Rendition).values(
                image_id=image_id,
                preset="late",
                format="webp",
                width=1,
                height=1,
                size_bytes=8,
                path=late,
                spec="s",
                created_at=utcnow(),
            )
        )
        deleting = threading.Thread(target=cleanup.delete_image, args=(image_id,))
        deleting.start()
        time.sleep(0.5)
        assert deleting.is_alive()  # waits for the rebuild's transaction
        rebuild.commit()
    deleting.join(timeout=30)
    assert not deleting.is_alive()
    assert existing(storage, doomed) == set()
    assert removals_left(engine) == 0
