"""Removing pending uploads: cancel, upload-different and the ``cleanup-temp`` command share this.

The row goes first, with a conditional delete that only matches rows still ``pending``; files go
after the commit. So a row finalized a millisecond earlier is never touched, and a crash after
the commit leaves at worst an unreferenced temp file, which ``sweep_orphan_temp_files`` removes.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, ImageStatus, utcnow
from imageapp.services.storage import LocalStorage

log = logging.getLogger(__name__)
BATCH_SIZE = 500


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
