"""Which image rows a query may see. Every read of images goes through these, so a trashed
image cannot slip into one listing, count, cover or URL that forgot about the trash.

- ``in_store``: the store's rows, whatever their state (slugs, quotas: a trashed image still
  holds its slug and counts against the quota until it is gone for good);
- ``in_library``: the store's finished images that are not in the trash (lists, counts,
  galleries, bulk actions, duplicates);
- ``served``: what the media route and every picture may show: active, not in the trash;
- ``in_trash``: the store's trashed images (the trash page, restore, delete forever).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import col

from imageapp.models import Image, ImageStatus

FINISHED = (ImageStatus.ACTIVE.value, ImageStatus.INACTIVE.value)


def in_store(store_id: int) -> sa.ColumnElement[bool]:
    """Images of ``store_id`` (images from before accounts have none until first-run setup
    claims them for the first store: no query sees them before that)."""
    return col(Image.store_id) == store_id


def not_trashed() -> sa.ColumnElement[bool]:
    return col(Image.trashed_at).is_(None)


def trashed() -> sa.ColumnElement[bool]:
    return col(Image.trashed_at).is_not(None)


def in_library(store_id: int, statuses: Sequence[str] = FINISHED) -> sa.ColumnElement[bool]:
    """The store's images in ``statuses`` (never pending) that are not in the trash."""
    return sa.and_(in_store(store_id), col(Image.status).in_(list(statuses)), not_trashed())


def served() -> sa.ColumnElement[bool]:
    """Images whose files may be served (any store: the caller scopes the store)."""
    return sa.and_(col(Image.status) == ImageStatus.ACTIVE.value, not_trashed())


def in_trash(store_id: int) -> sa.ColumnElement[bool]:
    """The store's images in the trash (only finished images are ever trashed)."""
    return sa.and_(in_store(store_id), trashed())


def is_served(status: str, trashed_at: object) -> bool:
    """``served()`` for a row already read."""
    return status == ImageStatus.ACTIVE.value and trashed_at is None
