"""Running the jobs: ``imageapp worker`` (its own process) or embedded in the web app.

Both start with a reconcile job, so renditions missed while no worker ran are made. SIGTERM
(systemd's stop, Ctrl-C's cousin) stops a worker gracefully: running jobs finish, nothing new
is taken; SIGINT stops it at once, and the jobs it abandons are queued again
(``jobs.records``), their half-written files left to ``cleanup-temp``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from huey.consumer import Consumer

from imageapp.config import get_settings
from imageapp.jobs.tasks import Jobs, get_jobs

log = logging.getLogger(__name__)
EMBEDDED_CONCURRENCY = 1
# A SQLite queue is polled (PostgreSQL and Redis wake workers up): Huey's default lets an idle
# worker's polling back off to every 10 s, so the first upload after a quiet minute waited
# seconds for its renditions. Polling stops backing off here (a cheap query twice a second).
POLL_MAX_DELAY_S = 0.5


def create_consumer(jobs: Jobs, concurrency: int) -> Consumer:
    return jobs.huey.create_consumer(
        workers=concurrency,
        worker_type="thread",
        periodic=True,
        graceful_signal="TERM",
        check_worker_health=True,
        max_delay=POLL_MAX_DELAY_S,
    )


def run_worker(concurrency: int) -> None:
    """Run jobs until a signal stops the process (the ``imageapp worker`` command)."""
    jobs = get_jobs()
    jobs.reconcile_renditions()
    log.info("worker: %d job thread(s) on %s", concurrency, type(jobs.huey).__name__)
    create_consumer(jobs, concurrency).run()
    log.info("worker stopped")


@contextlib.asynccontextmanager
async def embedded_worker() -> AsyncIterator[None]:
    """Jobs in the web app's own process, for as long as it serves (a lifespan task); off with
    ``IMAGEAPP_EMBEDDED_WORKER=false``, when separate ``imageapp worker``s run."""
    settings = get_settings()
    if not settings.embedded_worker or settings.queue_immediate:
        yield
        return
    consumer = await asyncio.to_thread(_start_embedded)
    try:
        yield
    finally:
        await asyncio.to_thread(_stop_embedded, consumer)


def _start_embedded() -> Consumer:
    jobs = get_jobs()
    consumer = create_consumer(jobs, EMBEDDED_CONCURRENCY)
    # Not consumer.start(): that takes over the process's signal handlers, the web server's.
    consumer.scheduler.start()
    for _worker, thread in consumer.worker_threads:
        thread.start()
    jobs.reconcile_renditions()
    log.info("embedded worker started (%s)", type(jobs.huey).__name__)
    return consumer


def _stop_embedded(consumer: Consumer) -> None:
    consumer.stop(graceful=True)
    consumer.huey.notify_interrupted_tasks()
    log.info("embedded worker stopped")
