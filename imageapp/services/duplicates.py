"""Finding active images whose uploaded bytes were identical (same SHA-256).

An image in the trash is no duplicate: it has left the library (no page to link to), so a
re-upload of it is treated like a new image; restoring the old one later gives two copies.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from imageapp.models import Image, ImageStatus
from imageapp.services.library import ImageSummary, summarize
from imageapp.services.scoping import in_library, in_store, served

MAX_SHOWN = 5


def _same_bytes(sha256: str, store_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        col(Image.sha256) == sha256,
        in_library(store_id, (ImageStatus.ACTIVE.value,)),
    )


def any_active_duplicate(connection: Connection, sha256: str | None, *, store_id: int) -> bool:
    """Whether the store has an active image of exactly these bytes: the usual answer, "no",
    from the index alone, on a connection the caller already holds."""
    if not sha256:
        return False
    probe = sa.select(col(Image.id)).where(*_same_bytes(sha256, store_id)).limit(1)
    return connection.scalar(probe) is not None


def active_duplicates(
    engine: Engine, sha256: str | None, *, store_id: int, limit: int = MAX_SHOWN
) -> tuple[ImageSummary, ...]:
    """Active images of the store uploaded from exactly these bytes, oldest first.

    Only the uploader's own store is searched: another store's library is none of its business.
    """
    if not sha256:
        return ()
    with engine.connect() as connection:
        if not any_active_duplicate(connection, sha256, store_id=store_id):
            return ()
    with Session(engine) as session:
        rows = session.exec(
            select(Image).where(*_same_bytes(sha256, store_id)).order_by(col(Image.id)).limit(limit)
        ).all()
        return tuple(summarize(row) for row in rows)


def duplicates_by_bytes(
    engine: Engine, uploads: Sequence[tuple[str | None, int]], *, limit: int = MAX_SHOWN
) -> dict[tuple[str | None, int | None], tuple[ImageSummary, ...]]:
    """``active_duplicates`` for many (sha256, store) pairs at once, in one query: the
    duplicates of each pair that has any, oldest first."""
    wanted = {(sha256, store_id) for sha256, store_id in uploads if sha256}
    if not wanted:
        return {}
    same_bytes = sa.or_(
        *(sa.and_(col(Image.sha256) == sha256, in_store(store)) for sha256, store in wanted)
    )
    found: dict[tuple[str | None, int | None], list[ImageSummary]] = {}
    with Session(engine) as session:
        rows = session.exec(select(Image).where(same_bytes, served()).order_by(col(Image.id))).all()
        for row in rows:
            shown = found.setdefault((row.sha256, row.store_id), [])
            if len(shown) < limit:
                shown.append(summarize(row))
    return {key: tuple(images) for key, images in found.items()}
