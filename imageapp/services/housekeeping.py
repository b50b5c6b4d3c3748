"""The periodic clean-up, one sequence for `imageapp cleanup-temp` and the workers' job.

Abandoned pending uploads first, then images in the trash longer than IMAGEAPP_TRASH_DAYS
(deleted forever: rows now, files by the removal job), then unfinished writes whose writer
stopped renewing its lease (their files become leftovers), then the leftover sweeps, then old
login records. Every
step keeps the race guarantees of services/cleanup.py, so two runs at once (cron and a
worker, or two workers) only do the work once between them.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from imageapp.services.accounts import AccountService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.rate_limits import purge_rate_counts
from imageapp.services.trash import TrashService
from imageapp.services.tus_uploads import TusCleanup


@dataclasses.dataclass(frozen=True, slots=True)
class CleanupReport:
    """What one run removed, by kind."""

    minutes: int
    pending: int = 0
    tus_uploads: int = 0
    tus_parts: int = 0
    abandoned_writes: int = 0
    temp_files: int = 0
    renditions: int = 0
    originals: int = 0
    logins: int = 0
    rate_counts: int = 0  # the API's ended rate-limit windows (not worth a sentence)
    trash_days: int = 0
    trashed: int = 0

    def lines(self) -> list[str]:
        """The run in sentences: always the pending count, the rest when there was any."""
        said = [f"Removed {self.pending} pending upload(s) older than {self.minutes} minutes."]
        optional = (
            (
                self.abandoned_writes,
                "Expired {} unfinished file write(s) (their writer crashed or stalled).",
            ),
            (self.tus_uploads, "Removed {} expired resumable upload(s) and their parts."),
            (self.tus_parts, "Removed {} orphan resumable-upload part(s)."),
            (self.temp_files, "Removed {} orphan temp file(s)."),
            (self.renditions, "Removed {} orphan rendition file(s)."),
            (self.originals, "Removed {} orphan original file(s)."),
            (self.logins, "Forgot {} expired login session(s) and old failed login(s)."),
            (
                self.trashed,
                "Deleted {} image(s) forever that had been in the trash longer than "
                f"{self.trash_days} days.",
            ),
        )
        return said + [sentence.format(count) for count, sentence in optional if count]

    @property
    def removed_anything(self) -> bool:
        return any(
            getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in ("minutes", "trash_days")
        )


def clean_up(
    service: DiskImageCleanupService, minutes: int, trash_days: int | None = None
) -> CleanupReport:
    """Remove what is older than ``minutes`` and no longer anyone's, and (``trash_days``) the
    trash older than that many days; blocking."""
    older_than = timedelta(minutes=minutes)
    pending = service.cleanup_expired_pending(older_than)
    tus = TusCleanup(service.engine, service.storage)
    tus_uploads = tus.cleanup_expired()
    expired = (
        TrashService(service.engine, service).empty_expired(timedelta(days=trash_days))
        if trash_days is not None
        else 0
    )
    abandoned = service.reclaim_abandoned_writes()  # their files are orphans from here on
    return CleanupReport(
        minutes=minutes,
        pending=pending,
        abandoned_writes=abandoned,
        tus_uploads=tus_uploads,
        tus_parts=tus.sweep_orphan_parts(older_than) + tus.sweep_spooled_patches(older_than),
        temp_files=service.sweep_orphan_temp_files(older_than),
        renditions=service.sweep_orphan_renditions(older_than),
        originals=service.sweep_orphan_originals(older_than),
        logins=AccountService(service.engine).purge_stale(),
        rate_counts=purge_rate_counts(service.engine),
        trash_days=trash_days or 0,
        trashed=expired,
    )
