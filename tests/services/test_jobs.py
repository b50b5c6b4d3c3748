"""The rendition jobs on real queues: the database's own (a SQLite file beside it, or the
PostgreSQL database) and Redis; real files, real failures."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey import Huey
from sqlalchemy.engine import Engine

from imageapp.config import Settings, get_settings
from imageapp.jobs import records, tasks
from imageapp.jobs.broker import open_huey
from imageapp.jobs.tasks import Jobs, register
from imageapp.models import Image, Rendition, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.rendition_jobs import images_missing_renditions
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.conftest import require_redis
from tests.factories import RENDITIONS_PER_IMAGE, metadata, pending_upload
from tests.images import jpeg_bytes

# Queue mechanics (retries, failures, periodic runs) with the disk unmounted or aged: the
# local disk only; the bucket's renditions and removals are covered by their own tests.
pytestmark = [pytest.mark.real_queue, pytest.mark.local_storage_only]


@pytest.fixture(params=["database", "redis"])
def jobs(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Jobs]:
    """A queue of its own (a unique name) on the database's broker or on Redis."""
    url = require_redis() if request.param == "redis" else settings.resolved_queue_url()
    jobs = register(open_huey(url, name=f"test-{uuid.uuid4().hex[:12]}"))
    yield jobs
    jobs.huey.storage.flush_all()
    jobs.huey.storage.close()


@pytest.fixture
def queued_uploads(
    engine: Engine,
    storage: Storage,
    settings: Settings,
    cleanup: DiskImageCleanupService,
    jobs: Jobs,
) -> UploadService:
    return UploadService(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, jobs=jobs
    )


class LostQueue:
    """A crash between the commit and the enqueue: the job never reaches the queue."""

    def enqueue(self, image_id: int) -> None:
        raise ConnectionError("the process died before queueing the job")


def finalized(uploads: UploadService, seed: int = 1) -> int:
    pending = pending_upload(uploads, data=jpeg_bytes((640, 480), seed=seed))
    return uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


def run_queued(huey: Huey) -> int:
    """Be a worker until the queue is empty; returns the jobs run."""
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def rendition_paths(engine: Engine, image_id: int) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.scalars(sa.select(Rendition.path).where(Rendition.image_id == image_id))
        )


def test_finalize_answers_before_the_renditions_and_a_worker_makes_them(
    queued_uploads: UploadService, jobs: Jobs, engine: Engine
) -> None:
    image_id = finalized(queued_uploads)
    assert rendition_paths(engine, image_id) == set()  # step 2 did not make them
    assert jobs.huey.pending_count() == 1
    assert run_queued(jobs.huey) == 1
    assert len(rendition_paths(engine, image_id)) == RENDITIONS_PER_IMAGE
    assert records.failed(jobs.huey) == []
    assert records.running(jobs.huey) == []


def test_a_job_run_twice_changes_nothing(
    queued_uploads: UploadService, jobs: Jobs, engine: Engine, storage: Storage
) -> None:
    image_id = finalized(queued_uploads)
    jobs.enqueue(image_id)  # queued twice, e.g. by finalize and by reconcile
    assert run_queued(jobs.huey) == 2
    made = rendition_paths(engine, image_id)
    files = set(storage.iter_image_files())
    jobs.enqueue(image_id)
    run_queued(jobs.huey)
    assert rendition_paths(engine, image_id) == made
    assert len(made) == RENDITIONS_PER_IMAGE
    assert set(storage.iter_image_files()) == files  # nothing rewritten, nothing left over


def test_a_failed_job_is_retried_later_and_then_succeeds(
    queued_uploads: UploadService, jobs: Jobs, engine: Engine, storage: Storage
) -> None:
    image_id = finalized(queued_uploads)
    images = storage.images_dir
    aside = images.with_name("images-unmounted")
    images.rename(aside)  # the storage is gone (unmounted disk): a real OSError
    images.write_text("not a directory")
    try:
        assert run_queued(jobs.huey) == 1
        assert rendition_paths(engine, image_id) == set()
        [retry] = jobs.huey.scheduled()
        assert retry.retries == 4  # one of five used
    finally:
        images.unlink()
        aside.rename(images)
    due = jobs.huey.read_schedule(retry.eta)  # as the scheduler does when its time comes
    assert [task.id for task in due] == [retry.id]
    jobs.huey.execute(due[0], timestamp=retry.eta)
    assert len(rendition_paths(engine, image_id)) == RENDITIONS_PER_IMAGE
    assert jobs.huey.scheduled_count() == 0
    assert records.failed(jobs.huey) == []


def test_a_job_whose_retries_are_spent_is_kept_as_failed_and_can_be_retried(
    queued_uploads: UploadService, jobs: Jobs, engine: Engine, storage: Storage
) -> None:
    image_id = finalized(queued_uploads)
    task = jobs.huey.dequeue()
    assert task is not None
    task.retries = 0  # its last try
    storage.images_dir.rename(storage.root / "aside")
    try:
        jobs.huey.execute(task)
    finally:
        (storage.root / "aside").rename(storage.images_dir)
    [failure] = records.failed(jobs.huey)
    assert (failure.name, failure.args) == ("renditions.make", (image_id,))
    assert "FileNotFoundError" in failure.detail or "NotADirectory" in failure.detail
    assert records.retry_failed(jobs.huey) == [f"renditions.make({image_id})"]
    assert records.failed(jobs.huey) == []
    [again] = jobs.huey.pending()
    assert again.retries == 5  # renewed
    assert run_queued(jobs.huey) == 1
    assert len(rendition_paths(engine, image_id)) == RENDITIONS_PER_IMAGE


def test_reconcile_queues_an_image_whose_job_was_lost_in_a_crash(
    engine: Engine,
    storage: Storage,
    settings: Settings,
    cleanup: DiskImageCleanupService,
    queued_uploads: UploadService,
    jobs: Jobs,
) -> None:
    done = finalized(queued_uploads, seed=1)
    run_queued(jobs.huey)
    crashed = UploadService(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, jobs=LostQueue()
    )
    lost = finalized(crashed, seed=2)  # active, no renditions, no job
    assert jobs.huey.pending_count() == 0
    assert rendition_paths(engine, lost) == set()
    jobs.reconcile_renditions()  # what a worker's start (and every 10 minutes) queues
    assert run_queued(jobs.huey) == 2  # reconcile, then the lost image's job only
    assert len(rendition_paths(engine, lost)) == RENDITIONS_PER_IMAGE
    assert len(rendition_paths(engine, done)) == RENDITIONS_PER_IMAGE
    assert images_missing_renditions(queued_uploads.renditions) == []


def test_reconcile_redoes_renditions_of_a_changed_preset(
    queued_uploads: UploadService, jobs: Jobs, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_id = finalized(queued_uploads)
    run_queued(jobs.huey)
    before = rendition_paths(engine, image_id)
    monkeypatch.setenv(
        "IMAGEAPP_RENDITION_PRESETS",
        '[{"name": "thumb", "longest_side": 200}, {"name": "web", "longest_side": 1600}]',
    )
    get_settings.cache_clear()
    jobs.reconcile_renditions()
    assert run_queued(jobs.huey) == 2
    after = rendition_paths(engine, image_id)
    assert len(after) == RENDITIONS_PER_IMAGE
    assert after & before == {path for path in before if ".web." in path}  # web unchanged


def test_a_missing_queue_never_fails_the_upload(
    engine: Engine,
    storage: Storage,
    settings: Settings,
    cleanup: DiskImageCleanupService,
    tmp_path: Path,
) -> None:
    unreachable = register(open_huey("redis://127.0.0.1:9/0"))  # nothing listens on port 9
    uploads = UploadService(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, jobs=unreachable
    )
    started = time.monotonic()
    image_id = finalized(uploads)
    assert image_id > 0
    assert time.monotonic() - started < 10
    assert images_missing_renditions(uploads.renditions) == [image_id]  # reconcile's to do


def test_reconcile_reads_no_backlog_longer_than_its_limit(
    engine: Engine,
    storage: Storage,
    settings: Settings,
    cleanup: DiskImageCleanupService,
    jobs: Jobs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Behind a queue longer than the limit, reconcile leaves it unread (the next round looks
    again) instead of taking every queued job into memory."""
    monkeypatch.setattr(tasks, "RECONCILE_QUEUE_LIMIT", 3)
    crashed = UploadService(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, jobs=LostQueue()
    )
    lost = finalized(crashed)
    for n in range(4):  # a backlog of other jobs, one more than the limit
        jobs.enqueue_removal(f"batch-{n}")
    assert tasks.reconcile_renditions(jobs.make_renditions) == 0
    assert jobs.huey.pending_count() == 4
    assert run_queued(jobs.huey) == 4
    assert tasks.reconcile_renditions(jobs.make_renditions) == 1
    assert run_queued(jobs.huey) == 1
    assert len(rendition_paths(engine, lost)) == RENDITIONS_PER_IMAGE


def test_the_workers_clean_up_abandoned_uploads_every_quarter_hour(
    uploads: UploadService, jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    """`make run` needs no cron line: the periodic job does what `cleanup-temp` does."""
    abandoned = pending_upload(uploads)
    fresh = pending_upload(uploads)
    with uploads.engine.begin() as connection:
        connection.execute(
            sa.update(Image)
            .where(Image.id == abandoned.image_id)
            .values(created_at=utcnow() - timedelta(hours=3))
        )
    leftover = uploads.storage.path_of("temp/left-by-a-crash.part")
    leftover.write_bytes(b"half a file")
    old = time.time() - 3 * 3600
    os.utime(leftover, (old, old))

    assert jobs.clean_up.s().validate_datetime(datetime(2026, 12, 1, 10, 45))
    assert not jobs.clean_up.s().validate_datetime(datetime(2026, 12, 1, 10, 50))
    with caplog.at_level("INFO", logger="imageapp.jobs.tasks"):
        assert jobs.clean_up.call_local() == 1

    assert not uploads.storage.exists(abandoned.temp_path)
    assert not leftover.exists()
    assert uploads.get_pending(token=fresh.upload_token, owner="session-1") == fresh
    assert "cleanup: Removed 1 pending upload(s) older than 60 minutes." in caplog.text
    assert "cleanup: Removed 1 orphan temp file(s)." in caplog.text
