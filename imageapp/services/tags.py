"""Tags: one row per distinct name, linked to images through ``image_tag``."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import col

from imageapp.models import ImageTag, Tag


def _insert_ignoring_duplicates(connection: Connection, names: Sequence[str]) -> None:
    """Create missing tags; a name another transaction inserts at the same time is fine."""
    rows = [{"name": name} for name in names]
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(Tag).values(rows).on_conflict_do_nothing())
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(Tag).values(rows).on_conflict_do_nothing())
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(connection.dialect.name)


def set_image_tags(connection: Connection, image_id: int, names: Sequence[str]) -> None:
    """Replace the tags of one image with ``names`` (already normalised), in the caller's txn."""
    connection.execute(sa.delete(ImageTag).where(col(ImageTag.image_id) == image_id))
    if not names:
        return
    _insert_ignoring_duplicates(connection, names)
    tag_ids = connection.scalars(sa.select(col(Tag.id)).where(col(Tag.name).in_(names))).all()
    connection.execute(
        sa.insert(ImageTag), [{"image_id": image_id, "tag_id": tag_id} for tag_id in tag_ids]
    )
