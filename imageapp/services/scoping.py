"""Which store's rows a query may see: every read of images goes through ``in_store``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from imageapp.models import Image


def in_store(store_id: int | None) -> sa.ColumnElement[bool]:
    """Images of ``store_id``; None selects images from before accounts (no store yet)."""
    return col(Image.store_id).is_(None) if store_id is None else col(Image.store_id) == store_id
