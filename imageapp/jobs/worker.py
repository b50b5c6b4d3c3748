"""Running the jobs: ``imageapp worker`` (its own process) or embedded in the web app.

Both start with the reconcile jobs, so renditions missed while no worker ran are made and
file removals lost in a crash are done. SIGTERM
(systemd's stop, Ctrl-C's cousin) stops a worker gracefully: running jobs finish, nothing new
is taken; SIGINT stops it at once, and the jobs it abandons are queued again
(``jobs.records``), their half-written files left to ``cleanup-temp``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from huey.consumer import Consumer

from imageapp.config import get_settings
from imageapp.jobs.lease import MachineLease, lease_path
from imageapp.jobs.tasks import Jobs, get_jobs

log = logging.getLogger(__name__)
EMBEDDED_CONCURRENCY = 1
# How often a web worker without the embedded worker's lease asks for it again.
LEASE_RETRY_S = 15.0
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
    jobs.reconcile()
    log.info("worker: %d job thread(s) on %s", concurrency, type(jobs.huey).__name__)
    create_consumer(jobs, concurrency).run()
    log.info("worker stopped")


@contextlib.asynccontextmanager
async def embedded_worker() -> AsyncIterator[None]:
    """Jobs in the web app's own process, for as long as it serves (a lifespan task); off with
    ``IMAGEAPP_EMBEDDED_WORKER=false``, when separate ``imageapp worker``s run. Of several web
    workers on one machine only the one holding the lease runs it (``jobs.lease``)."""
    settings = get_settings()
    if not settings.embedded_worker or settings.queue_immediate:
        yield
        return
    lease = MachineLease(lease_path(settings.resolved_queue_url()))
    started: list[Consumer] = []
    election = asyncio.create_task(_run_when_elected(lease, started))
    try:
        yield
    finally:
        election.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await election
        if started:
            await asyncio.to_thread(_stop_embedded, started[0])
        lease.release()


async def _run_when_elected(lease: MachineLease, started: list[Consumer]) -> None:
    """Start the consumer once this process holds the lease; until then, ask again now and
    then (the holder may stop: a web worker restarted, a server stopping)."""
    if not await asyncio.to_thread(lease.try_acquire):
        log.info("process %d: another web worker runs the embedded worker", os.getpid())
        while not await asyncio.to_thread(lease.try_acquire):
            await asyncio.sleep(LEASE_RETRY_S)
    start = asyncio.ensure_future(asyncio.to_thread(_start_embedded))
    try:
        started.append(await asyncio.shield(start))
    except asyncio.CancelledError:  # stopping mid-start: keep the consumer, to stop it
        await asyncio.wait({start})
        if not start.cancelled() and start.exception() is None:
            started.append(start.result())
        raise


def _start_embedded() -> Consumer:
    jobs = get_jobs()
    consumer = create_consumer(jobs, EMBEDDED_CONCURRENCY)
    # Not consumer.start(): that takes over the process's signal handlers, the web server's.
    consumer.scheduler.start()
    for _worker, thread in consumer.worker_threads:
        thread.start()
    jobs.reconcile()
    log.info("embedded worker started in process %d (%s)", os.getpid(), type(jobs.huey).__name__)
    return consumer


def _stop_embedded(consumer: Consumer) -> None:
    consumer.stop(graceful=True)
    consumer.huey.notify_interrupted_tasks()
    log.info("embedded worker stopped")
