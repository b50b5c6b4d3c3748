"""Pictures for lists (library, galleries, gallery covers): only images the media route serves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image
from imageapp.services.library import ImageSummary
from imageapp.services.pictures import Picture, picture_for
from imageapp.services.renditions import renditions_of
from imageapp.services.scoping import in_store, is_served, served


def list_pictures(
    engine: Engine, *, store_id: int, image_ids: Iterable[int], preset: str = "thumb"
) -> dict[int, Picture]:
    """A picture per active image of the store among ``image_ids``. Inactive, pending and other
    stores' ids are left out: the media route refuses them, so pages show a placeholder."""
    wanted = sorted(set(image_ids))
    if not wanted:
        return {}
    with engine.connect() as connection:
        sizes = connection.execute(
            sa.select(
                col(Image.id), col(Image.width), col(Image.height), col(Image.mime_type)
            ).where(
                col(Image.id).in_(wanted),
                in_store(store_id),
                served(),
            )
        ).all()
    return _pictures(engine, sizes, preset)


def listed_pictures(
    engine: Engine, images: Iterable[ImageSummary], *, preset: str = "thumb"
) -> dict[int, Picture]:
    """A picture per active image of a listing just read (its sizes are known: one query for
    the renditions). Inactive ones are left out: the media route refuses their files."""
    active = [image for image in images if is_served(image.status, None)]
    return _pictures(engine, active, preset)


class _Sized(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def mime_type(self) -> str: ...


def _pictures(engine: Engine, images: Sequence[_Sized], preset: str) -> dict[int, Picture]:
    """Each image's picture through ``preset`` (one query for all their renditions)."""
    found = renditions_of(engine, (image.id for image in images))
    return {
        image.id: picture_for(
            image_id=image.id,
            width=image.width,
            height=image.height,
            renditions=found.get(image.id, ()),
            preset=preset,
            mime_type=image.mime_type,
        )
        for image in images
    }
