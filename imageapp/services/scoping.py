"""Which store's rows a query may see: every read of images goes through ``in_store``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from imageapp.models import Image


def in_store(store_id: int) -> sa.ColumnElement[bool]:
    """Images of ``store_id`` (images from before accounts have none until first-run setup
    claims them for the first store: no query sees them before that)."""
    return col(Image.store_id) == store_id
