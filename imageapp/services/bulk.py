"""Acting on many images at once. Every action first narrows the selection to the store's own
finished images outside the trash; ids that are not (another store's, pending, trashed,
unknown) are reported, never used. Delete moves them to the trash (services/trash.py).
Statements over the selection go in batches (``sql.batches``), so MAX_SELECTION ids fit any
database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import GalleryImage, Image, ImageStatus, ImageTag, Tag, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.errors import ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.metadata import TAG_MAX, TAGS_MAX, parse_tags
from imageapp.services.scoping import in_library
from imageapp.services.sql import (
    batches,
    insert_ignoring_conflict,
    insert_selected_ignoring_conflict,
)
from imageapp.services.trash import TrashService

log = logging.getLogger(__name__)
MAX_SELECTION = 5000


@dataclass(frozen=True, slots=True)
class Selection:
    """A request's ids split into the store's own images and the rest (ignored, reported)."""

    image_ids: tuple[int, ...]
    ignored_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BulkResult:
    done: int
    ignored_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TrashResult(BulkResult):
    """A delete: the images it moved to the trash, and when (what its undo restores)."""

    image_ids: tuple[int, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeletePreview:
    """What a bulk delete would affect, for the confirmation step."""

    image_count: int
    gallery_count: int
    ignored_ids: tuple[int, ...]


class BulkService:
    def __init__(self, engine: Engine, cleanup: DiskImageCleanupService) -> None:
        self.engine = engine
        self.cleanup = cleanup
        self.galleries = GalleryService(engine)
        self.trash = TrashService(engine, cleanup)

    def select(self, *, store_id: int, image_ids: Sequence[int]) -> Selection:
        if len(image_ids) > MAX_SELECTION:
            raise ImageAppError(
                "selection_too_large", f"Select at most {MAX_SELECTION} images at a time."
            )
        wanted = list(dict.fromkeys(image_ids))
        with self.engine.connect() as connection:
            own = set(_finished_of_store(connection, store_id, wanted))
        return Selection(
            image_ids=tuple(i for i in wanted if i in own),
            ignored_ids=tuple(i for i in wanted if i not in own),
        )

    def preview_delete(self, *, store_id: int, image_ids: Sequence[int]) -> DeletePreview:
        selection = self.select(store_id=store_id, image_ids=image_ids)
        galleries: set[int] = set()
        with self.engine.connect() as connection:
            for batch in batches(selection.image_ids):
                galleries.update(
                    connection.scalars(
                        sa.select(col(GalleryImage.gallery_id))
                        .where(col(GalleryImage.image_id).in_(batch))
                        .distinct()
                    )
                )
        return DeletePreview(len(selection.image_ids), len(galleries), selection.ignored_ids)

    def delete(
        self, *, store_id: int, image_ids: Sequence[int], user_id: int | None = None
    ) -> TrashResult:
        """Move the images to the trash (``user_id`` deleted them): they leave the library at
        once and keep their galleries, tags and files until restored or deleted forever."""
        selection = self.select(store_id=store_id, image_ids=image_ids)
        moved = self.trash.move_to_trash(
            store_id=store_id, user_id=user_id, image_ids=selection.image_ids
        )
        missed = tuple(i for i in selection.image_ids if i not in set(moved.image_ids))
        return TrashResult(
            len(moved.image_ids), selection.ignored_ids + missed, moved.image_ids, moved.at
        )

    def set_status(self, *, store_id: int, image_ids: Sequence[int], status: str) -> BulkResult:
        """Active <-> inactive. An inactive image is refused by the media route at once."""
        if status not in (ImageStatus.ACTIVE.value, ImageStatus.INACTIVE.value):
            raise ImageAppError("bad_status", "Choose active or inactive.")
        selection = self.select(store_id=store_id, image_ids=image_ids)
        changed, now = 0, utcnow()
        with self.engine.begin() as connection:
            for batch in batches(selection.image_ids):
                changed += connection.execute(
                    sa.update(Image)
                    .where(col(Image.id).in_(batch), in_library(store_id))
                    .values(status=status, updated_at=now)
                ).rowcount
        return BulkResult(changed, selection.ignored_ids)

    def add_tags(self, *, store_id: int, image_ids: Sequence[int], tags: str) -> BulkResult:
        names = parse_tags(tags)
        if not names or len(names) > TAGS_MAX or any(len(name) > TAG_MAX for name in names):
            raise ImageAppError(
                "bad_tags", f"Give 1 to {TAGS_MAX} tags of at most {TAG_MAX} characters."
            )
        selection = self.select(store_id=store_id, image_ids=image_ids)
        with self.engine.begin() as connection:
            insert_ignoring_conflict(connection, Tag, [{"name": name} for name in names])
            for batch in batches(selection.image_ids):
                every_pair = (
                    sa.select(col(Image.id), col(Tag.id))
                    .select_from(sa.join(Image, Tag, sa.true()))
                    .where(col(Image.id).in_(batch), col(Tag.name).in_(names))
                )
                insert_selected_ignoring_conflict(
                    connection, ImageTag, ["image_id", "tag_id"], every_pair
                )
        return BulkResult(len(selection.image_ids), selection.ignored_ids)

    def add_to_gallery(
        self, *, store_id: int, image_ids: Sequence[int], gallery_id: int
    ) -> BulkResult:
        selection = self.select(store_id=store_id, image_ids=image_ids)
        added = self.galleries.add_images(
            store_id=store_id, gallery_id=gallery_id, image_ids=selection.image_ids
        )
        return BulkResult(len(added), selection.ignored_ids)

    def remove_from_gallery(
        self, *, store_id: int, image_ids: Sequence[int], gallery_id: int
    ) -> BulkResult:
        selection = self.select(store_id=store_id, image_ids=image_ids)
        removed = self.galleries.remove_images(
            store_id=store_id, gallery_id=gallery_id, image_ids=selection.image_ids
        )
        return BulkResult(len(removed), selection.ignored_ids)


def _finished_of_store(connection: Connection, store_id: int, image_ids: list[int]) -> list[int]:
    found: list[int] = []
    for batch in batches(image_ids):
        found += connection.scalars(
            sa.select(col(Image.id)).where(col(Image.id).in_(batch), in_library(store_id))
        )
    return found
