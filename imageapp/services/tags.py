"""Tags: one row per distinct name, linked to images through ``image_tag``."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import col

from imageapp.models import ImageTag, Tag
from imageapp.services.sql import insert_ignoring_conflict


def set_image_tags(connection: Connection, image_id: int, names: Sequence[str]) -> None:
    """Replace the tags of one image with ``names`` (already normalised), in the caller's txn."""
    connection.execute(sa.delete(ImageTag).where(col(ImageTag.image_id) == image_id))
    if not names:
        return
    # A name another transaction inserts at the same moment is fine.
    insert_ignoring_conflict(connection, Tag, [{"name": name} for name in names])
    tag_ids = connection.scalars(sa.select(col(Tag.id)).where(col(Tag.name).in_(names))).all()
    connection.execute(
        sa.insert(ImageTag), [{"image_id": image_id, "tag_id": tag_id} for tag_id in tag_ids]
    )
