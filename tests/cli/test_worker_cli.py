"""``imageapp worker`` and ``imageapp jobs`` as real subprocesses on the real default queue
(the SQLite file beside the database, or the PostgreSQL database itself)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from imageapp.jobs import records
from imageapp.jobs.tasks import Jobs, get_jobs
from imageapp.models import Rendition
from imageapp.services.uploads import UploadService
from tests.cli.test_cleanup_temp import cli_env, run_cli
from tests.factories import RENDITIONS_PER_IMAGE, metadata, pending_upload
from tests.images import jpeg_bytes
from tests.services.test_jobs import LostQueue

pytestmark = pytest.mark.real_queue


@pytest.fixture
def jobs(uploads: UploadService) -> Iterator[Jobs]:
    """The app's own queue (``uploads`` finalizes into it), empty before and after."""
    jobs = get_jobs()
    jobs.huey.flush()
    yield jobs
    jobs.huey.flush()


def finished(uploads: UploadService, seed: int) -> int:
    pending = pending_upload(uploads, data=jpeg_bytes((400, 300), seed=seed))
    return uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


def rendition_count(uploads: UploadService, image_id: int) -> int:
    with uploads.engine.connect() as connection:
        query = sa.select(sa.func.count()).where(Rendition.image_id == image_id)
        return connection.scalar(query) or 0


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def queue_idle(jobs: Jobs) -> bool:
    return jobs.huey.pending_count() == 0 and not records.running(jobs.huey)


def test_worker_makes_queued_and_missed_renditions_and_stops_on_sigterm(
    uploads: UploadService, jobs: Jobs, tmp_path: Path
) -> None:
    queued = finished(uploads, 1)
    crashed = UploadService(
        engine=uploads.engine,
        storage=uploads.storage,
        settings=uploads.settings,
        cleanup=uploads.cleanup,
        jobs=LostQueue(),
    )
    missed = finished(crashed, 2)  # its job was never queued: the worker's start finds it
    assert rendition_count(uploads, queued) == rendition_count(uploads, missed) == 0
    log_path = tmp_path / "worker.log"
    # One job thread: the queued image's job runs before the start's reconcile, so that one
    # finds exactly the missed image. With two, the reconcile may look in the instant between
    # another thread taking the queued job and marking it running, and queue it again
    # (harmless, the job is idempotent, but the count below would say 2).
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "imageapp", "worker", "--concurrency", "1"],
            env=os.environ | cli_env(uploads),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        made = wait_for(
            lambda: (
                rendition_count(uploads, queued)
                == rendition_count(uploads, missed)
                == RENDITIONS_PER_IMAGE
            ),
            timeout=60,
        )
        # The renditions' rows land before their jobs end, and a periodic reconcile is queued
        # at the start when the minute is a multiple of ten: stop once the queue is idle.
        idle = wait_for(lambda: queue_idle(jobs), timeout=30)
    finally:
        os.kill(worker.pid, signal.SIGTERM)
        returncode = worker.wait(timeout=30)
    output = log_path.read_text()
    assert made, output
    assert idle, output
    assert returncode == 0, output
    assert "worker: 1 job thread(s)" in output
    assert "reconcile: queued renditions of 1 image(s)" in output
    assert f"image {queued}: {RENDITIONS_PER_IMAGE} rendition(s) written" in output
    assert f"image {missed}: {RENDITIONS_PER_IMAGE} rendition(s) written" in output
    assert "Received SIGTERM" in output
    assert "worker stopped" in output
    assert jobs.huey.pending_count() == 0


@pytest.mark.local_storage_only  # unmounts the directory
def test_jobs_shows_the_queue_and_retries_the_failed(uploads: UploadService, jobs: Jobs) -> None:
    failing = finished(uploads, 3)
    task = jobs.huey.dequeue()
    assert task is not None
    task.retries = 0  # its last try, while the storage is away
    images = uploads.storage.images_dir
    images.rename(images.with_name("aside"))
    try:
        jobs.huey.execute(task)
    finally:
        images.with_name("aside").rename(images)
    waiting = finished(uploads, 4)

    status = run_cli("jobs", env=cli_env(uploads))
    assert status.returncode == 0, status.stderr
    assert "Queued: 1\n" in status.stdout
    assert f"  renditions.make({waiting})" in status.stdout
    assert "Failed: 1\n" in status.stdout
    assert f"  renditions.make({failing})" in status.stdout
    assert "FileNotFoundError" in status.stdout

    retried = run_cli("jobs", "retry", env=cli_env(uploads))
    assert retried.returncode == 0, retried.stderr
    assert f"queued again: renditions.make({failing})" in retried.stdout
    assert "Queued 1 failed job(s) again." in retried.stdout
    after = run_cli("jobs", env=cli_env(uploads)).stdout
    assert "Queued: 2\n" in after
    assert "Failed: 0\n" in after


def test_worker_help_says_what_it_does() -> None:
    result = run_cli("worker", "--help", env={})
    assert result.returncode == 0
    assert "--concurrency N" in result.stdout
    assert "SIGTERM" in result.stdout
    refused = run_cli("worker", "--concurrency", "0", env={})
    assert refused.returncode == 2
    assert "not a whole number from 1 to 64" in refused.stderr


@pytest.mark.parametrize(
    ("queue_url", "message"),
    [
        ("redis://127.0.0.1:9/0", "imageapp: cannot reach the job queue: "),
        ("amqp://guest@127.0.0.1/", "imageapp: IMAGEAPP_QUEUE_URL 'amqp://guest@127.0.0.1/' is"),
    ],
)
def test_a_queue_that_cannot_be_used_is_a_clear_error(queue_url: str, message: str) -> None:
    for command in (["jobs"], ["worker"]):
        result = run_cli(*command, env={"IMAGEAPP_QUEUE_URL": queue_url})
        assert result.returncode == 2
        assert result.stderr.startswith(message), result.stderr
