"""The trash: deleting an image only marks it (``trashed_at``, ``trashed_by``); its row, tags,
gallery places, cover mark and files all stay, so a restore is one UPDATE that puts everything
back. Until then no listing, count, cover or URL shows it (services/scoping.py). Deleting it
forever, by hand or once it is older than IMAGEAPP_TRASH_DAYS, goes through the usual delete
(rows now, files by the removal job: services/removals.py).

Races: every change is one conditional statement (or, for delete forever, one transaction
that re-checks "still in the trash" on rows it locks first), so restore, delete forever and
the expiry of one image, or a form sent twice, end with exactly one of them applied and the
others finding nothing to do.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, Rendition, User, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.edits import EDIT_COLUMNS, edit_of, edited_size
from imageapp.services.rendering import MIME_TYPES
from imageapp.services.scoping import in_library, in_trash, trashed
from imageapp.services.sql import batches

log = logging.getLogger(__name__)
THUMB_SIDE = 320  # the trash page's thumbnails: at most this many pixels a side
THUMB_PRESET = "thumb"


@dataclass(frozen=True, slots=True)
class TrashedImage:
    """One image of the trash as its page shows it."""

    id: int
    title: str
    alt_text: str
    width: int  # the thumbnail's box (the edited image scaled into THUMB_SIDE)
    height: int
    size_bytes: int
    trashed_at: datetime
    trashed_by: str  # the deleting person's email ("" if that account is gone)


@dataclass(frozen=True, slots=True)
class TrashPage:
    items: tuple[TrashedImage, ...]
    total: int
    total_bytes: int
    page: int
    page_size: int
    newest: datetime | None  # the latest ``trashed_at`` of the whole trash ("empty" up to it)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True, slots=True)
class Trashed:
    """What one delete moved to the trash: those ids, all with the same ``at``."""

    image_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class ThumbnailFile:
    path: str  # stored path (relative to the storage root)
    mime_type: str


def thumbnail_box(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, THUMB_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


class TrashService:
    def __init__(self, engine: Engine, cleanup: DiskImageCleanupService) -> None:
        self.engine = engine
        self.cleanup = cleanup

    def move_to_trash(
        self, *, store_id: int, user_id: int | None, image_ids: Sequence[int]
    ) -> Trashed:
        """Move the store's finished images among ``image_ids`` to the trash (one ``at`` for
        all: it names this delete for its undo). Already trashed or unknown ids are skipped."""
        now, moved = utcnow(), list[int]()
        with self.engine.begin() as connection:
            for batch in batches(list(image_ids)):
                moved += connection.scalars(
                    sa.update(Image)
                    .where(col(Image.id).in_(batch), in_library(store_id))
                    .values(trashed_at=now, trashed_by=user_id)
                    .returning(col(Image.id))
                )
        log.info("store %s: %d image(s) moved to the trash", store_id, len(moved))
        wanted = set(moved)
        return Trashed(tuple(i for i in dict.fromkeys(image_ids) if i in wanted), now)

    def trashed_together(self, *, store_id: int, at: datetime) -> list[int]:
        """The images one delete (``Trashed.at``) moved to the trash that are still in it."""
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    sa.select(col(Image.id))
                    .where(in_trash(store_id), col(Image.trashed_at) == at)
                    .order_by(col(Image.id))
                )
            )

    def page(self, *, store_id: int, page: int = 1, page_size: int = 24) -> TrashPage:
        """The store's trash, most recently deleted first (past the end: the last page)."""
        with self.engine.connect() as connection:
            total, used, newest = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.coalesce(sa.func.sum(col(Image.size_bytes)), 0),
                    sa.func.max(col(Image.trashed_at)),
                ).where(in_trash(store_id))
            ).one()
            page = min(max(1, page), max(1, math.ceil(total / page_size)))
            rows = connection.execute(
                sa.select(
                    col(Image.id),
                    col(Image.title),
                    col(Image.alt_text),
                    col(Image.width),
                    col(Image.height),
                    *(col(column) for column in EDIT_COLUMNS),
                    col(Image.size_bytes),
                    col(Image.trashed_at),
                    col(User.email),
                )
                .outerjoin(User, col(User.id) == col(Image.trashed_by))
                .where(in_trash(store_id))
                .order_by(col(Image.trashed_at).desc(), col(Image.id).desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            ).all()
        items = tuple(
            TrashedImage(
                row.id,
                row.title or "",
                row.alt_text or "",
                *thumbnail_box(*edited_size(edit_of(row), (row.width, row.height))),
                row.size_bytes,
                row.trashed_at,
                row.email or "",
            )
            for row in rows
        )
        return TrashPage(items, int(total), int(used), page, page_size, newest)

    def restore(self, *, store_id: int, image_ids: Sequence[int] | None) -> list[int]:
        """Take images out of the trash (``None``: all of them): they come back with their
        galleries, places, cover and tags, which never left. Returns the ids restored."""
        restored: list[int] = []
        chosen = (
            [sa.true()]
            if image_ids is None
            else [col(Image.id).in_(batch) for batch in batches(list(image_ids))]
        )
        with self.engine.begin() as connection:
            for only in chosen:
                restored += connection.scalars(
                    sa.update(Image)
                    .where(only, in_trash(store_id))
                    .values(trashed_at=None, trashed_by=None)
                    .returning(col(Image.id))
                )
        log.info("store %s: %d image(s) restored from the trash", store_id, len(restored))
        return sorted(restored)

    def in_trash(self, *, store_id: int, image_ids: Sequence[int]) -> list[int]:
        """Those of ``image_ids`` that are in the store's trash now."""
        found: list[int] = []
        with self.engine.connect() as connection:
            for batch in batches(list(image_ids)):
                found += connection.scalars(
                    sa.select(col(Image.id)).where(col(Image.id).in_(batch), in_trash(store_id))
                )
        return found

    def delete_forever(
        self, *, store_id: int, image_ids: Sequence[int] | None, until: datetime | None = None
    ) -> int:
        """Remove trashed images for good: rows now, files by the removal job. ``None``: the
        whole trash, but only what was in it at ``until`` (what the person was asked about).
        An image restored meanwhile is left alone."""
        scope = in_trash(store_id)
        if until is not None:
            scope = sa.and_(scope, col(Image.trashed_at) <= until)
        ids = self._ids(scope) if image_ids is None else list(image_ids)
        done = self.cleanup.delete_images(ids, scope=scope)
        log.info("store %s: %d image(s) deleted forever", store_id, done)
        return done

    def empty_expired(self, older_than: timedelta) -> int:
        """Delete forever, in every store, what has been in the trash longer than this."""
        scope = sa.and_(trashed(), col(Image.trashed_at) < utcnow() - older_than)
        return self.cleanup.delete_images(self._ids(scope), scope=scope)

    def count_expired(self, older_than: timedelta) -> int:
        """How many images ``empty_expired`` would remove now (for --dry-run)."""
        scope = sa.and_(trashed(), col(Image.trashed_at) < utcnow() - older_than)
        return len(self._ids(scope))

    def thumbnail(self, *, store_id: int, image_id: int) -> ThumbnailFile | None:
        """The file the trash page shows for a trashed image: its JPEG/PNG thumbnail, else
        the original. None for anything not in the store's trash."""
        with self.engine.connect() as connection:
            image = connection.execute(
                sa.select(col(Image.file_path), col(Image.mime_type)).where(
                    col(Image.id) == image_id, in_trash(store_id)
                )
            ).first()
            if image is None or not image.file_path:
                return None
            small = connection.execute(
                sa.select(col(Rendition.path), col(Rendition.format)).where(
                    col(Rendition.image_id) == image_id,
                    col(Rendition.preset) == THUMB_PRESET,
                    col(Rendition.format).in_(("jpeg", "png")),
                )
            ).first()
        if small is not None:
            return ThumbnailFile(small.path, MIME_TYPES[small.format])
        return ThumbnailFile(image.file_path, image.mime_type)

    def _ids(self, scope: sa.ColumnElement[bool]) -> list[int]:
        with self.engine.connect() as connection:
            return list(
                connection.scalars(sa.select(col(Image.id)).where(scope).order_by(col(Image.id)))
            )
