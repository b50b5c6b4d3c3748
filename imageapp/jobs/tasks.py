"""The jobs: make one image's renditions, remove the files of deleted images, reconcile
(queue every image lacking renditions, every removal whose job was lost), and the clean-up of
abandoned uploads and leftovers every ``CLEANUP_EVERY_MINUTES`` (what `cleanup-temp` does, so
`make run` needs no cron line).

Reconcile runs when a worker starts and every ``RECONCILE_EVERY_MINUTES``: an image activated
just before a crash, before its job was queued, or while the broker was unreachable, gets its
renditions all the same, and a delete committed in those moments gets its files removed. The
jobs are idempotent (``services.rendition_jobs``, ``services.removals``), so a job queued
twice, or retried after it half-ran, does no harm.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from huey import Huey, crontab
from huey.api import TaskWrapper

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.jobs import records
from imageapp.jobs.broker import open_huey
from imageapp.services.backends import storage_for
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.housekeeping import CleanupReport, clean_up
from imageapp.services.removals import remove_batch, waiting_batches
from imageapp.services.rendition_jobs import images_missing_renditions, make_missing_renditions
from imageapp.services.renditions import RenditionService

log = logging.getLogger(__name__)
RECONCILE_EVERY_MINUTES = 10
CLEANUP_EVERY_MINUTES = 15
CLEAN_UP = "cleanup.run"
# Reconcile reads at most this many waiting jobs to see which images already have one.
RECONCILE_QUEUE_LIMIT = 10_000
MAKE = "renditions.make"
REMOVE = "files.remove"
# A removal batch older than this is queued again by reconcile (its own job usually ran long
# before; one queued twice finds nothing left to do).
REMOVAL_GRACE = timedelta(minutes=2)
# A failing rendition job is tried 1 + 5 times, 5, 10, 20, 40 and 80 s apart (~2.5 min),
# then kept as failed until `imageapp jobs retry` (or reconcile queues the image anew).
RETRIES = 5
RETRY_DELAY_S = 5
RETRY_BACKOFF = 2.0


@dataclass(frozen=True, slots=True)
class Jobs:
    """The queue and its jobs; ``enqueue`` is what finalize calls (``RenditionJobs``)."""

    huey: Huey
    make_renditions: TaskWrapper
    reconcile_renditions: TaskWrapper
    remove_files: TaskWrapper
    reconcile_removals: TaskWrapper
    clean_up: TaskWrapper

    def enqueue(self, image_id: int) -> None:
        self.make_renditions(image_id)

    def enqueue_removal(self, batch: str) -> None:
        """What a delete calls after its commit (``FileRemovalJobs``)."""
        self.remove_files(batch)

    def reconcile(self) -> None:
        """Queue both reconcile jobs (a worker's start)."""
        self.reconcile_renditions()
        self.reconcile_removals()


def rendition_service(settings: Settings) -> RenditionService:
    return RenditionService(
        engine=get_engine(settings.database_url),
        storage=storage_for(settings),
        settings=settings,
    )


def make_renditions(image_id: int) -> int:
    """Make what image ``image_id`` lacks; raising lets the queue retry it later."""
    return make_missing_renditions(rendition_service(get_settings()), image_id)


def reconcile_renditions(make: TaskWrapper) -> int:
    """Queue ``make`` for every kept image lacking current renditions and not already
    waiting for (or having) its job. The queue is read only when some image lacks them, and
    only while at most ``RECONCILE_QUEUE_LIMIT`` jobs wait; behind a longer backlog the next
    round (10 minutes on) looks again."""
    missing = images_missing_renditions(rendition_service(get_settings()))
    if not missing:
        return 0
    busy = records.busy_with(make.huey, MAKE, RECONCILE_QUEUE_LIMIT)
    if busy is None:
        log.info(
            "reconcile: %d image(s) lack renditions; more than %d jobs wait, so the next "
            "round looks again",
            len(missing),
            RECONCILE_QUEUE_LIMIT,
        )
        return 0
    queued = [image_id for image_id in missing if image_id not in busy]
    for image_id in queued:
        make(image_id)
    if queued:
        log.info("reconcile: queued renditions of %d image(s)", len(queued))
    return len(queued)


def remove_files(batch: str) -> int:
    """Remove the files one committed delete recorded; raising lets the queue retry it."""
    settings = get_settings()
    return remove_batch(get_engine(settings.database_url), storage_for(settings), batch)


def reconcile_removals(remove: TaskWrapper) -> int:
    """Queue ``remove`` for every removal batch left unfinished past ``REMOVAL_GRACE``."""
    waiting = waiting_batches(get_engine(get_settings().database_url), REMOVAL_GRACE)
    for batch in waiting:
        remove(batch)
    if waiting:
        log.info("reconcile: queued %d file removal(s)", len(waiting))
    return len(waiting)


def clean_up_abandoned(jobs: Jobs) -> CleanupReport:
    """`imageapp cleanup-temp` with its default thresholds (IMAGEAPP_PENDING_TTL_MINUTES,
    IMAGEAPP_TRASH_DAYS)."""
    settings = get_settings()
    service = DiskImageCleanupService(
        get_engine(settings.database_url), storage_for(settings), removals=jobs
    )
    report = clean_up(
        service,
        settings.pending_ttl_minutes,
        settings.trash_days,
        spool_minutes=settings.pending_ttl_minutes,
    )
    if report.removed_anything:
        for line in report.lines():
            log.info("cleanup: %s", line)
    return report


def register(huey: Huey) -> Jobs:
    """Bind the jobs to ``huey`` (fixed names: every worker and client agree on them)."""
    records.install(huey)
    # Each job thread's broker connections (PostgreSQL's LISTEN one is per thread) are closed
    # when it stops, not left to the garbage collector.
    huey.on_shutdown("close-broker-connections")(huey.storage.close)

    def make(image_id: int) -> int:
        return make_renditions(image_id)

    def reconcile() -> int:
        return reconcile_renditions(make_task)

    make_task: TaskWrapper = huey.task(
        retries=RETRIES,
        retry_delay=RETRY_DELAY_S,
        retry_backoff=RETRY_BACKOFF,
        name=MAKE,
    )(make)
    every = crontab(minute=f"*/{RECONCILE_EVERY_MINUTES}")
    reconcile_task: TaskWrapper = huey.periodic_task(every, name="renditions.reconcile")(reconcile)

    def remove(batch: str) -> int:
        return remove_files(batch)

    def reconcile_files() -> int:
        return reconcile_removals(remove_task)

    remove_task: TaskWrapper = huey.task(
        retries=RETRIES, retry_delay=RETRY_DELAY_S, retry_backoff=RETRY_BACKOFF, name=REMOVE
    )(remove)
    reconcile_files_task: TaskWrapper = huey.periodic_task(every, name="files.reconcile")(
        reconcile_files
    )

    def clean_up_now() -> int:
        report = clean_up_abandoned(jobs)
        return report.pending

    cleanup_every = crontab(minute=f"*/{CLEANUP_EVERY_MINUTES}")
    cleanup_task: TaskWrapper = huey.periodic_task(cleanup_every, name=CLEAN_UP)(clean_up_now)
    jobs = Jobs(
        huey=huey,
        make_renditions=make_task,
        reconcile_renditions=reconcile_task,
        remove_files=remove_task,
        reconcile_removals=reconcile_files_task,
        clean_up=cleanup_task,
    )
    return jobs


# Per process on purpose: broker connections. The jobs and their records are in the broker,
# which every worker and web process shares; the lock only guards opening it here once.
_opened: dict[tuple[str, bool], Jobs] = {}
_opening = threading.Lock()


def get_jobs(settings: Settings | None = None) -> Jobs:
    """The queue these settings (default: the process's) name, opened once per process."""
    settings = settings or get_settings()
    key = (settings.resolved_queue_url(), settings.queue_immediate)
    with _opening:
        if key not in _opened:
            _opened[key] = register(open_huey(key[0], immediate=key[1]))
        return _opened[key]


def forget_jobs() -> None:
    """Close the queues' connections and forget them (tests, after the settings change)."""
    with _opening:
        for jobs in _opened.values():
            jobs.huey.storage.close()
        _opened.clear()
