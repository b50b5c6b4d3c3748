"""Finding active images whose uploaded bytes were identical (same SHA-256)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from imageapp.models import Image, ImageStatus
from imageapp.services.library import ImageSummary, summarize

MAX_SHOWN = 5


def active_duplicates(
    engine: Engine, sha256: str | None, *, store_id: int | None, limit: int = MAX_SHOWN
) -> tuple[ImageSummary, ...]:
    """Active images of the store uploaded from exactly these bytes, oldest first.

    Only the uploader's own store is searched: another store's library is none of its business.
    """
    if not sha256:
        return ()
    same_bytes = (
        col(Image.sha256) == sha256,
        col(Image.status) == ImageStatus.ACTIVE.value,
        col(Image.store_id).is_(None) if store_id is None else col(Image.store_id) == store_id,
    )
    with engine.connect() as connection:  # the usual answer, "none", from the index alone
        if connection.scalar(sa.select(col(Image.id)).where(*same_bytes).limit(1)) is None:
            return ()
    with Session(engine) as session:
        rows = session.exec(
            select(Image).where(*same_bytes).order_by(col(Image.id)).limit(limit)
        ).all()
        return tuple(summarize(row) for row in rows)
