"""Removing pending uploads: cancel, upload-different and the ``cleanup-temp`` command share this.

The row goes first, with a conditional delete that only matches rows still ``pending``; files go
after the commit. So a row finalized a millisecond earlier is never touched, and a crash after
the commit leaves at worst an unreferenced temp file, which ``sweep_orphan_temp_files`` removes.
Renditions follow the same rule (rows first, files after), and ``sweep_orphan_renditions``
removes rendition files that no row refers to (a crash between writing a file and its row).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, ImageStatus, Rendition, utcnow
from imageapp.services.renditions import RENDITION_NAME
from imageapp.services.sql import batches
from imageapp.services.storage import IMAGES, TEMP, LocalStorage

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# A permanent original: the pending upload's UUID name, kept (renditions add more dots).
ORIGINAL_NAME = re.compile(r"^[0-9a-f-]{36}\.(jpg|png|gif|webp)$")


class ImageCleanupService(Protocol):
    """What cancel, upload-different and the cron command need from a cleanup implementation."""

    def cleanup_single_pending(self, token: str) -> bool:
        """Delete one pending upload (row and files). False if it was not pending anymore."""
        ...

    def cleanup_expired_pending(self, older_than: timedelta) -> int:
        """Delete every pending upload older than ``older_than``; returns how many."""
        ...


class DiskImageCleanupService:
    """ImageCleanupService for the local-disk storage."""

    def __init__(self, engine: Engine, storage: LocalStorage, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.storage = storage
        self.batch_size = batch_size

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

    def sweep_orphan_temp_files(self, older_than: timedelta) -> int:
        """Remove temp files no pending row refers to (left by a crash), if older than the TTL."""
        cutoff = time.time() - older_than.total_seconds()
        candidates = [
            path for path in self.storage.iter_temp_files() if path.stat().st_mtime < cutoff
        ]
        removed = 0
        for start in range(0, len(candidates), self.batch_size):
            batch = {
                f"temp/{path.name}": path for path in candidates[start : start + self.batch_size]
            }
            with self.engine.connect() as connection:
                referenced = set(
                    connection.scalars(
                        sa.select(col(Image.temp_path)).where(col(Image.temp_path).in_(batch))
                    )
                )
            for relative in batch.keys() - referenced:
                if self.storage.delete(relative):
                    log.info("removed orphan temp file %s", relative)
                    removed += 1
        return removed

    def sweep_orphan_renditions(self, older_than: timedelta) -> int:
        """Remove rendition files no row refers to, if older than ``older_than``.

        The age guard keeps a file that is being written now (its row not committed yet).
        """
        cutoff = time.time() - older_than.total_seconds()
        candidates = [
            f"{IMAGES}/{path.name}"
            for path in self.storage.iter_image_files()
            if RENDITION_NAME.match(path.name) and path.stat().st_mtime < cutoff
        ]
        removed = 0
        for start in range(0, len(candidates), self.batch_size):
            batch = candidates[start : start + self.batch_size]
            with self.engine.connect() as connection:
                referenced = set(
                    connection.scalars(
                        sa.select(col(Rendition.path)).where(col(Rendition.path).in_(batch))
                    )
                )
            for relative in set(batch) - referenced:
                if self.storage.delete(relative):
                    log.info("removed orphan rendition %s", relative)
                    removed += 1
        return removed

    def sweep_orphan_originals(self, older_than: timedelta) -> int:
        """Remove original files in ``images/`` that no row refers to (older than the TTL).

        Left only by a double failure: a finalize that lost the race to cleanup and died
        before removing its link. A file being finalized right now is safe: until the commit
        its pending row names it through ``temp_path`` (same name under ``temp/``), after it
        through ``file_path``; one query sees one of the two.
        """
        cutoff = time.time() - older_than.total_seconds()
        candidates = [
            path.name
            for path in self.storage.iter_image_files()
            if ORIGINAL_NAME.match(path.name) and path.stat().st_mtime < cutoff
        ]
        removed = 0
        for start in range(0, len(candidates), self.batch_size):
            names = candidates[start : start + self.batch_size]
            originals = [f"{IMAGES}/{name}" for name in names]
            pending = [f"{TEMP}/{name}" for name in names]
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(col(Image.file_path), col(Image.temp_path)).where(
                        sa.or_(
                            col(Image.file_path).in_(originals), col(Image.temp_path).in_(pending)
                        )
                    )
                ).all()
            referenced = {name for row in rows for name in (row[0], row[1]) if name}
            for name in names:
                if f"{IMAGES}/{name}" in referenced or f"{TEMP}/{name}" in referenced:
                    continue
                if self.storage.delete(f"{IMAGES}/{name}"):
                    log.info("removed orphan original images/%s", name)
                    removed += 1
        return removed

    def delete_image(self, image_id: int) -> bool:
        """Delete a finished image: its row (renditions cascade), then its files."""
        return self.delete_images([image_id]) == 1

    def delete_images(self, image_ids: Sequence[int]) -> int:
        """Delete finished images, a batch at a time: the rows (tags, placements and renditions
        cascade), then their files. Returns how many were deleted (pending ones never are)."""
        deleted = 0
        for batch in batches(image_ids, self.batch_size):
            with self.engine.begin() as connection:
                rows = connection.execute(
                    sa.delete(Image)
                    .where(col(Image.id).in_(batch), col(Image.status) != ImageStatus.PENDING.value)
                    .returning(col(Image.id), col(Image.file_path))
                ).all()
            originals = [row[1] for row in rows if row[1]]
            for relative in [*originals, *self.storage.derived_files_of(*originals)]:
                self.storage.delete(relative)
            for image_id, file_path in rows:
                log.info("deleted image %s (%s)", image_id, file_path)
            deleted += len(rows)
        return deleted

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
        for image_id, temp_path in removed:
            self.storage.delete(temp_path)
            if temp_path:  # a finalize that died after linking may have left this
                self.storage.delete(self.storage.permanent_name_for(temp_path))
            log.info("removed pending upload %s (%s)", image_id, temp_path)
        return removed
