"""Changing a finished image's metadata (title, alt text, description, slug, tags): the same
checks as step 2 (``parse_metadata``), the same slug rule (unique in the store), one
transaction for the row and its tags."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, utcnow
from imageapp.services.metadata import ImageMetadata
from imageapp.services.scoping import in_library, in_store
from imageapp.services.tags import set_image_tags
from imageapp.services.uploads import _slug_clash


def update_image_metadata(
    engine: Engine, *, store_id: int, image_id: int, metadata: ImageMetadata
) -> bool:
    """Save ``metadata`` on the store's finished image (a blank slug keeps the current one);
    False if there is no such image. A slug another image of the store has: MetadataInvalid."""
    try:
        with engine.begin() as connection:
            own = (
                col(Image.id) == image_id,
                in_library(store_id),  # finished, not in the trash
            )
            values: dict[str, object] = {
                "title": metadata.title,
                "alt_text": metadata.alt_text,
                "description": metadata.description,
                "updated_at": utcnow(),
            }
            if metadata.slug is not None:
                clash = connection.scalar(
                    sa.select(col(Image.id)).where(
                        in_store(store_id),
                        col(Image.slug) == metadata.slug,
                        col(Image.id) != image_id,
                    )
                )
                if clash is not None:
                    raise _slug_clash(metadata.slug)
                values["slug"] = metadata.slug
            if not connection.execute(sa.update(Image).where(*own).values(**values)).rowcount:
                return False
            set_image_tags(connection, image_id, metadata.tags)
    except sa.exc.IntegrityError:  # the slug was taken at the same moment
        raise _slug_clash(metadata.slug or "") from None
    return True
