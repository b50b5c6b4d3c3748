"""Reading the library: active images, newest first, a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from imageapp.models import Image, ImageStatus, ImageTag, Tag
from imageapp.services.scoping import in_store


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
    )


def list_active_images(
    session: Session, *, store_id: int | None, page: int = 1, page_size: int = 24
) -> ImagePage:
    """The store's active images, newest first. Pages past the end are clamped to the last."""
    active = sa.and_(col(Image.status) == ImageStatus.ACTIVE.value, in_store(store_id))
    total = session.exec(select(sa.func.count()).select_from(Image).where(active)).one()
    last_page = max(1, math.ceil(total / page_size))
    page = min(max(1, page), last_page)
    rows = session.exec(
        select(Image)
        .where(active)
        .order_by(col(Image.created_at).desc(), col(Image.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return ImagePage(
        items=tuple(summarize(row) for row in rows), total=total, page=page, page_size=page_size
    )


def get_active_image(
    session: Session, image_id: int, *, store_id: int | None
) -> ImageSummary | None:
    """One active image of the store with its tags, or None (also for another store's)."""
    image = session.get(Image, image_id)
    if image is None or image.status != ImageStatus.ACTIVE.value or image.store_id != store_id:
        return None
    tag_names = session.exec(
        select(Tag.name)
        .join(ImageTag, col(ImageTag.tag_id) == col(Tag.id))
        .where(col(ImageTag.image_id) == image_id)
        .order_by(Tag.name)
    ).all()
    return summarize(image, tuple(tag_names))
