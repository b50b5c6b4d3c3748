"""The worker `make run` embeds in the web app (a lifespan task), on the real default queue."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import get_settings
from imageapp.jobs import worker
from imageapp.jobs.lease import MachineLease, lease_path
from imageapp.jobs.tasks import get_jobs
from imageapp.jobs.worker import create_consumer, embedded_worker
from imageapp.models import Rendition
from imageapp.services.uploads import UploadService
from tests.factories import RENDITIONS_PER_IMAGE, metadata, pending_upload
from tests.images import jpeg_bytes

pytestmark = pytest.mark.real_queue


def rendition_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Rendition)) or 0


async def serve_until(condition: object, timeout: float) -> bool:
    """Be the web app for a while: its lifespan runs the embedded worker."""
    async with embedded_worker():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(condition):  # type: ignore[arg-type]
                return True
            await asyncio.sleep(0.1)
    return False


def test_the_embedded_worker_makes_renditions_and_stops_with_the_app(
    uploads: UploadService, engine: Engine
) -> None:
    get_jobs().huey.flush()
    pending = pending_upload(uploads, data=jpeg_bytes((640, 480)))
    uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert rendition_count(engine) == 0
    before = set(threading.enumerate())
    assert asyncio.run(
        serve_until(lambda: rendition_count(engine) == RENDITIONS_PER_IMAGE, timeout=30)
    )
    time.sleep(0.5)
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []
    get_jobs().huey.flush()


def test_the_embedded_worker_can_be_switched_off(
    uploads: UploadService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGEAPP_EMBEDDED_WORKER", "false")
    get_settings.cache_clear()
    get_jobs().huey.flush()
    pending = pending_upload(uploads, data=jpeg_bytes((640, 480)))
    uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert not asyncio.run(serve_until(lambda: rendition_count(engine) > 0, timeout=3))
    assert get_jobs().huey.pending_count() == 1  # left for the separate workers
    get_jobs().huey.flush()


def test_of_several_web_workers_one_runs_the_jobs_and_another_takes_over(
    uploads: UploadService,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two web workers' lifespans on one machine and queue: one embedded worker, not two; when
    its process stops serving, the other starts one."""
    monkeypatch.setattr(worker, "LEASE_RETRY_S", 0.1)
    get_jobs().huey.flush()
    caplog.set_level(logging.INFO, logger="imageapp.jobs.worker")

    def started() -> int:
        return sum("embedded worker started" in r.getMessage() for r in caplog.records)

    async def two_web_workers() -> tuple[int, bool, int]:
        first, second = embedded_worker(), embedded_worker()
        await first.__aenter__()
        await asyncio.sleep(0.5)  # the first web worker is up and holds the lease
        await second.__aenter__()
        await asyncio.sleep(1.0)  # time enough for both to try, and for the second to retry
        while_both = started()
        await first.__aexit__(None, None, None)  # that web worker stops
        pending = pending_upload(uploads, data=jpeg_bytes((640, 480)))
        await asyncio.to_thread(
            uploads.finalize, token=pending.upload_token, owner="session-1", metadata=metadata()
        )
        deadline = time.monotonic() + 30
        made = False
        while not made and time.monotonic() < deadline:
            made = await asyncio.to_thread(lambda: rendition_count(engine) == RENDITIONS_PER_IMAGE)
            await asyncio.sleep(0.1)
        await second.__aexit__(None, None, None)
        return while_both, made, started()

    while_both, made, in_all = asyncio.run(two_web_workers())
    assert while_both == 1
    assert any(
        "another web worker runs the embedded worker" in r.getMessage() for r in caplog.records
    )
    assert made  # by the second web worker's embedded worker
    assert in_all == 2
    get_jobs().huey.flush()


def test_the_lease_is_exclusive_until_released(tmp_path: Path) -> None:
    path = lease_path("sqlite:///x-jobs.db", tmp_path)
    assert lease_path("sqlite:///y-jobs.db", tmp_path) != path
    holder, other = MachineLease(path), MachineLease(path)
    assert holder.try_acquire()
    assert holder.try_acquire()  # held already: still true
    assert not other.try_acquire()
    assert path.read_text().strip() == str(os.getpid())
    holder.release()
    assert other.try_acquire()
    other.release()


def test_an_idle_worker_still_looks_for_jobs_twice_a_second() -> None:
    """Huey's default back-off (up to 10 s between polls of a SQLite queue) made the first
    upload after a quiet minute wait seconds for its renditions (issue 18: < 1.5 s)."""
    consumer = create_consumer(get_jobs(), 2)
    assert consumer.max_delay <= 0.5
    assert all(thread_worker.max_delay <= 0.5 for thread_worker, _ in consumer.worker_threads)
