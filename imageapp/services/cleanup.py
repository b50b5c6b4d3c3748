"""Removing pending uploads and leftover files: cancel, upload-different and ``cleanup-temp``.

The row goes first, with a conditional delete that only matches rows still ``pending``; files go
after the commit. So a row finalized a millisecond earlier is never touched, and a crash after
the commit leaves at worst an unreferenced temp file, which ``sweep_orphan_temp_files`` removes.
Renditions follow the same rule (rows first, files after). A finished image's files are
recorded in the transaction that deletes its row and removed by a job after the commit
(``imageapp.services.removals``): never by listing a directory.

The orphan sweeps remove files that no row refers to: temp files, renditions, originals, and
the unfinished ``.<name>.part`` / ``.<name>.strip`` files a killed writer leaves. A file that is
being written or validated is never one of them, whatever ``older_than`` says: its writer
announced it as a write intent before creating it (``imageapp.services.intents``), and each
sweep lists the directory first and then asks, in one statement, for rows or intents naming
each file. ``older_than`` is only how long the operator keeps real leftovers around.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import Image, ImageStatus, Rendition, utcnow
from imageapp.services.intents import LEASE as INTENT_LEASE
from imageapp.services.intents import FileIntents, announced
from imageapp.services.removals import (
    FileRemovalJobs,
    InlineFileRemovals,
    lock_images,
    record_files_of,
)
from imageapp.services.renditions import RENDITION_NAME
from imageapp.services.sql import batches
from imageapp.services.storage import (
    IMAGES,
    TEMP,
    TUS_SPOOL_PREFIX,
    Storage,
    StoredObject,
    unfinished_target,
)

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# A permanent original: the pending upload's UUID name, kept (renditions add more dots).
ORIGINAL_NAME = re.compile(r"^[0-9a-f-]{36}\.(jpg|png|gif|webp)$")
NameTest = Callable[[str], object]
References = Callable[[Connection, list[str]], set[str]]


class ImageCleanupService(Protocol):
    """What cancel, upload-different and the cron command need from a cleanup implementation."""

    def cleanup_single_pending(self, token: str) -> bool:
        """Delete one pending upload (row and files). False if it was not pending anymore."""
        ...

    def cleanup_expired_pending(self, older_than: timedelta) -> int:
        """Delete every pending upload older than ``older_than``; returns how many."""
        ...


class DiskImageCleanupService:
    """ImageCleanupService for either storage backend (the name predates the bucket)."""

    def __init__(
        self,
        engine: Engine,
        storage: Storage,
        batch_size: int = BATCH_SIZE,
        *,
        removals: FileRemovalJobs | None = None,
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.batch_size = batch_size
        self.intents = FileIntents(engine)
        self.removals = removals or InlineFileRemovals(engine, storage)

    def cleanup_single_pending(self, token: str) -> bool:
        removed = self._delete_pending_rows(col(Image.upload_token) == token)
        return bool(removed)

    def cleanup_expired_pending(self, older_than: timedelta) -> int:
        """Batched by id so 100,000 expired rows never sit in memory at once."""
        cutoff = utcnow() - older_than
        total = 0
        last_id = 0
        while True:
            with self.engine.connect() as connection:
                ids = connection.scalars(
                    sa.select(col(Image.id))
                    .where(*self._expired(cutoff), col(Image.id) > last_id)
                    .order_by(col(Image.id))
                    .limit(self.batch_size)
                ).all()
            if not ids:
                return total
            last_id = max(image_id or 0 for image_id in ids)
            total += len(self._delete_pending_rows(col(Image.id).in_(ids)))

    def count_expired_pending(self, older_than: timedelta) -> int:
        """How many uploads ``cleanup_expired_pending`` would remove now (for --dry-run)."""
        with self.engine.connect() as connection:
            return (
                connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(Image)
                    .where(*self._expired(utcnow() - older_than))
                )
                or 0
            )

    def reclaim_abandoned_writes(self) -> int:
        """Forget write intents nobody renewed within their lease (a crashed or stalled writer).

        Run it before the sweeps: they then remove those files like any other leftover.
        """
        return self.intents.reclaim_expired()

    def sweep_orphan_temp_files(self, older_than: timedelta) -> int:
        """Remove temp files (half-stripped copies too) no pending row or write intent names."""
        leftovers = self._leftovers(self.storage.list_files(TEMP), older_than, _any_name)
        return self._remove_unreferenced(leftovers, _referenced_temp_files, "temp file")

    def sweep_orphan_renditions(self, older_than: timedelta) -> int:
        """Remove rendition files (and ``.part`` files of them) no row or write intent names."""
        files = self.storage.list_files(IMAGES)
        leftovers = self._leftovers(files, older_than, RENDITION_NAME.match)
        return self._remove_unreferenced(leftovers, _referenced_renditions, "rendition")

    def sweep_orphan_originals(self, older_than: timedelta) -> int:
        """Remove original files in ``images/`` (and ``.part`` copies) that no row refers to.

        Left only by a double failure: a finalize that lost the race to cleanup and died
        before removing its link. A file being finalized right now is safe: until the commit
        its pending row names it through ``temp_path`` (same name under ``temp/``), after it
        through ``file_path``; one query sees one of the two.
        """
        files = self.storage.list_files(IMAGES)
        leftovers = self._leftovers(files, older_than, ORIGINAL_NAME.match)
        return self._remove_unreferenced(leftovers, _referenced_originals, "original")

    @staticmethod
    def _leftovers(
        files: Iterable[StoredObject], older_than: timedelta, kind: NameTest
    ) -> list[Leftover]:
        """Files of one kind (judged by the name they have or are becoming) older than this."""
        cutoff = time.time() - older_than.total_seconds()
        found = []
        for item in files:
            directory = item.relative.partition("/")[0]
            target = unfinished_target(item.name) or item.name
            if kind(target) and item.modified < cutoff:
                found.append(Leftover(item.relative, f"{directory}/{target}"))
        return found

    def _remove_unreferenced(
        self, leftovers: Sequence[Leftover], referenced: References, label: str
    ) -> int:
        """Delete the leftovers whose target no row and no intent names, batch by batch."""
        removed = 0
        for start in range(0, len(leftovers), self.batch_size):
            batch = leftovers[start : start + self.batch_size]
            with self.engine.connect() as connection:
                live = referenced(connection, sorted({item.target for item in batch}))
            for item in batch:
                if item.target not in live and self.storage.delete(item.relative):
                    log.info("removed orphan %s %s", label, item.relative)
                    removed += 1
        return removed

    def sweep_stale_spool_files(self, older_than: timedelta) -> int:
        """Remove the local spool files (a bucket's step-1 files being checked, local copies
        for Pillow, their ``.strip`` files) that a killed process left, once untouched for
        ``older_than`` and never less than a write intent's lease.

        By age, unlike the stored files: a spool file is this machine's alone and no row or
        intent names it. A live one is written to or replaced at least as often as its
        writer renews its intent, and a writer silent past its lease records nothing
        anyway. A tus PATCH's spool files are ``TusCleanup``'s (it checks their lease)."""
        folder = getattr(self.storage, "spool_dir", None)
        if not isinstance(folder, Path) or not folder.is_dir():
            return 0  # the local disk: files are written in place, nothing is spooled
        cutoff = time.time() - max(older_than, INTENT_LEASE).total_seconds()
        removed = 0
        for path in folder.iterdir():
            if path.name.startswith(TUS_SPOOL_PREFIX):
                continue
            try:
                if not path.is_file() or path.stat().st_mtime >= cutoff:
                    continue
                path.unlink()
            except FileNotFoundError:  # its writer finished meanwhile
                continue
            log.info("removed stale spool file %s", path)
            removed += 1
        return removed

    def delete_image(self, image_id: int) -> bool:
        """Delete a finished image: its row (renditions cascade) now, its files in a job."""
        return self.delete_images([image_id]) == 1

    def delete_images(
        self, image_ids: Sequence[int], scope: sa.ColumnElement[bool] | None = None
    ) -> int:
        """Delete finished images, a batch at a time; returns how many (pending ones never are).

        ``scope`` narrows it further (e.g. "still in the trash"): checked in the deleting
        transaction itself, so a restore committed a moment before wins.

        One transaction per batch: lock the rows (PostgreSQL), record the files they name
        (``services.removals``), delete them (tags, placements and renditions cascade). After
        the commit the recorded files go to the removal job: the images are gone from every
        page at once, their files within moments, and no directory is ever listed for it."""
        deleted = 0
        for batch in batches(image_ids, self.batch_size):
            finished: tuple[sa.ColumnElement[bool], ...] = (
                col(Image.id).in_(batch),
                col(Image.status) != ImageStatus.PENDING.value,
                scope if scope is not None else sa.true(),
            )
            with self.engine.begin() as connection:
                locked = lock_images(connection, finished)
                if locked is not None:  # exactly the rows locked: none can change meanwhile
                    finished = (col(Image.id).in_(locked or [0]),)
                removal = record_files_of(connection, finished)
                rows = connection.execute(
                    sa.delete(Image).where(*finished).returning(col(Image.id), col(Image.file_path))
                ).all()
            for image_id, file_path in rows:
                log.info("deleted image %s (%s)", image_id, file_path)
            if rows:
                self._remove_files(removal)
            deleted += len(rows)
        return deleted

    def _remove_files(self, removal: str) -> None:
        try:
            self.removals.enqueue_removal(removal)
        except Exception:  # the images are deleted all the same; reconcile queues it later
            log.exception("could not queue the file removal %s; reconcile will", removal)

    @staticmethod
    def _expired(cutoff: object) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            col(Image.status) == ImageStatus.PENDING.value,
            col(Image.created_at) < cutoff,
        )

    def _delete_pending_rows(
        self, condition: sa.ColumnElement[bool]
    ) -> list[tuple[int, str | None]]:
        """Delete matching rows that are STILL pending, then their files. Returns what went."""
        statement = (
            sa.delete(Image)
            .where(condition, col(Image.status) == ImageStatus.PENDING.value)
            .returning(col(Image.id), col(Image.temp_path))
        )
        with self.engine.begin() as connection:
            removed = [(row[0] or 0, row[1]) for row in connection.execute(statement)]
        temp_paths = [temp_path for _image_id, temp_path in removed if temp_path]
        # ... and a finalize that died after making the permanent copy may have left that
        linked = [self.storage.permanent_name_for(temp_path) for temp_path in temp_paths]
        self.storage.delete_many(temp_paths + linked)
        for image_id, temp_path in removed:
            log.info("removed pending upload %s (%s)", image_id, temp_path)
        return removed


@dataclass(frozen=True, slots=True)
class Leftover:
    """A file a sweep may remove, and the stored path whose references decide."""

    relative: str
    # The file itself, or for ``.<name>.part`` / ``.<name>.strip`` the file it was becoming.
    target: str


def _any_name(name: str) -> bool:
    return True


# Each check is ONE statement (one snapshot): a writer settles its intent in the transaction
# that records its row, so a file moving from intent to row is always seen by one side.
def _named_by(column: Any) -> References:
    """A check for files named by ``column`` of a row, or announced by a write intent."""

    def referenced(connection: Connection, targets: list[str]) -> set[str]:
        named = sa.select(column).where(column.in_(targets))
        return set(connection.scalars(sa.union_all(named, announced(targets))))

    return referenced


_referenced_temp_files = _named_by(col(Image.temp_path))
_referenced_renditions = _named_by(col(Rendition.path))


def _referenced_originals(connection: Connection, targets: list[str]) -> set[str]:
    """Named by ``file_path``, or by a pending row's ``temp_path`` of the same name."""
    pending = {f"{TEMP}/{target.partition('/')[2]}": target for target in targets}
    found = connection.scalars(
        sa.union_all(
            sa.select(col(Image.file_path)).where(col(Image.file_path).in_(targets)),
            sa.select(col(Image.temp_path)).where(col(Image.temp_path).in_(list(pending))),
            announced(targets),
        )
    )
    return {pending.get(path, path) for path in found if path}
