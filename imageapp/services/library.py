"""Reading the library: a store's images, filtered, a page at a time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from imageapp.models import GalleryImage, Image, ImageStatus, ImageTag, Tag
from imageapp.services.camera_facts import NO_FACTS, CameraFacts
from imageapp.services.scoping import in_library


@dataclass(frozen=True, slots=True)
class ImageSummary:
    """What a list or a detail page needs to show one image."""

    id: int
    title: str
    alt_text: str
    description: str
    slug: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    original_filename: str
    created_at: datetime
    tags: tuple[str, ...] = ()
    status: str = ImageStatus.ACTIVE.value  # lists filtered by "inactive" or "all" show others
    facts: CameraFacts = NO_FACTS  # date taken, camera, exposure (shown on the image's page)


@dataclass(frozen=True, slots=True)
class ImagePage:
    items: tuple[ImageSummary, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def summarize(image: Image, tags: tuple[str, ...] = ()) -> ImageSummary:
    """Freeze a row into display values (usable after its session closed)."""
    assert image.id is not None
    return ImageSummary(
        id=image.id,
        title=image.title or "",
        alt_text=image.alt_text or "",
        description=image.description or "",
        slug=image.slug or "",
        mime_type=image.mime_type,
        width=image.width,
        height=image.height,
        size_bytes=image.size_bytes,
        original_filename=image.original_filename,
        created_at=image.created_at,
        tags=tags,
        status=image.status,
        facts=CameraFacts.of_image(image),
    )


@dataclass(frozen=True, slots=True)
class LibraryFilter:
    """What the library shows: a status, and optionally a gallery, a tag and words to find."""

    status: str = ImageStatus.ACTIVE.value  # "active", "inactive" or "all" (never pending)
    gallery_id: int | None = None
    tag: str = ""
    text: str = ""


def _conditions(store_id: int, filters: LibraryFilter) -> list[sa.ColumnElement[bool]]:
    statuses = (
        [ImageStatus.ACTIVE.value, ImageStatus.INACTIVE.value]
        if filters.status == "all"
        else [filters.status]
    )
    conditions = [in_library(store_id, statuses)]
    if filters.tag:
        conditions.append(
            col(Image.id).in_(
                select(ImageTag.image_id)
                .join(Tag, col(Tag.id) == col(ImageTag.tag_id))
                .where(col(Tag.name) == filters.tag.strip().lower())
            )
        )
    if filters.text.strip():
        words = filters.text.strip()
        conditions.append(
            sa.or_(
                col(Image.title).icontains(words, autoescape=True),
                col(Image.description).icontains(words, autoescape=True),
            )
        )
    return conditions


def list_images(
    session: Session,
    *,
    store_id: int,
    filters: LibraryFilter | None = None,
    page: int = 1,
    page_size: int = 24,
    sort: str = "newest",
) -> ImagePage:
    """The store's images matching ``filters``: by date taken (``sort="taken"``: newest first,
    those without one after), else a gallery in its own order, else newest upload first.
    Ties go to the newest upload, so pages never overlap. Pages past the end are clamped."""
    filters = filters or LibraryFilter()
    query = select(Image).where(*_conditions(store_id, filters))
    if filters.gallery_id is not None:
        query = query.join(GalleryImage, col(GalleryImage.image_id) == col(Image.id)).where(
            col(GalleryImage.gallery_id) == filters.gallery_id
        )
    order: tuple[Any, ...]
    if sort == "taken":
        # "IS NULL" first in the key: false sorts before true on SQLite and PostgreSQL alike.
        taken_at = col(Image.taken_at)
        order = (taken_at.is_(None), taken_at.desc(), col(Image.id).desc())
    elif filters.gallery_id is not None:
        order = (col(GalleryImage.display_order), col(Image.id))
    else:
        order = (col(Image.created_at).desc(), col(Image.id).desc())
    total = session.exec(select(sa.func.count()).select_from(query.subquery())).one()
    last_page = max(1, math.ceil(total / page_size))
    page = min(max(1, page), last_page)
    rows = session.exec(
        query.order_by(*order).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return ImagePage(
        items=tuple(summarize(row) for row in rows), total=total, page=page, page_size=page_size
    )


def get_active_image(session: Session, image_id: int, *, store_id: int) -> ImageSummary | None:
    """One active image of the store with its tags, or None (also for another store's, and
    for one in the trash)."""
    return get_image(session, image_id, store_id=store_id, statuses=(ImageStatus.ACTIVE.value,))


LISTED_STATUSES = (ImageStatus.ACTIVE.value, ImageStatus.INACTIVE.value)


def get_image(
    session: Session, image_id: int, *, store_id: int, statuses: tuple[str, ...] = LISTED_STATUSES
) -> ImageSummary | None:
    """One image of the store in one of ``statuses`` (never pending) and not in the trash,
    with its tags; None for anything else, another store's image included."""
    image = session.get(Image, image_id)
    if (
        image is None
        or image.status not in statuses
        or image.trashed_at is not None
        or image.store_id != store_id
    ):
        return None
    return summarize(image, tags_of(session, [image_id]).get(image_id, ()))


def tags_of(session: Session, image_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each image's tag names, sorted (one query for all of them)."""
    if not image_ids:
        return {}
    rows = session.exec(
        select(ImageTag.image_id, Tag.name)
        .join(Tag, col(Tag.id) == col(ImageTag.tag_id))
        .where(col(ImageTag.image_id).in_(list(image_ids)))
        .order_by(col(Tag.name))
    ).all()
    found: dict[int, list[str]] = {}
    for image_id, name in rows:
        found.setdefault(image_id, []).append(name)
    return {image_id: tuple(names) for image_id, names in found.items()}
