"""The worker `make run` embeds in the web app (a lifespan task), on the real default queue."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import get_settings
from imageapp.jobs.tasks import get_jobs
from imageapp.jobs.worker import create_consumer, embedded_worker
from imageapp.models import Rendition
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
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
    assert asyncio.run(serve_until(lambda: rendition_count(engine) == 4, timeout=30))
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


def test_an_idle_worker_still_looks_for_jobs_twice_a_second() -> None:
    """Huey's default back-off (up to 10 s between polls of a SQLite queue) made the first
    upload after a quiet minute wait seconds for its renditions (issue 18: < 1.5 s)."""
    consumer = create_consumer(get_jobs(), 2)
    assert consumer.max_delay <= 0.5
    assert all(worker.max_delay <= 0.5 for worker, _thread in consumer.worker_threads)
