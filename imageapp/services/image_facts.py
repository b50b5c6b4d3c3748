"""The few facts a list needs about some of a store's images: status and pixel size.

``ImageSummary`` carries no status, yet a list that shows inactive images too must know which
ones the media route will refuse (to show a placeholder instead of a broken picture), and a
gallery cover needs its image's size. One query for any number of ids, always store-scoped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, ImageStatus

CHUNK = 500  # keeps IN lists short on any database


@dataclass(frozen=True, slots=True)
class ImageFacts:
    id: int
    status: str  # "active" or "inactive" (pending images are never included)
    width: int
    height: int

    @property
    def is_active(self) -> bool:
        return self.status == ImageStatus.ACTIVE.value


def facts_of(engine: Engine, *, store_id: int, image_ids: Iterable[int]) -> dict[int, ImageFacts]:
    """Facts of those ``image_ids`` that are finished images of the store; others are absent."""
    wanted = list(dict.fromkeys(image_ids))
    found: dict[int, ImageFacts] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), CHUNK):
            rows = connection.execute(
                sa.select(
                    col(Image.id), col(Image.status), col(Image.width), col(Image.height)
                ).where(
                    col(Image.id).in_(wanted[start : start + CHUNK]),
                    col(Image.store_id) == store_id,
                    col(Image.status) != ImageStatus.PENDING.value,
                )
            ).all()
            for image_id, status, width, height in rows:
                assert image_id is not None  # a primary key
                found[image_id] = ImageFacts(image_id, status, width, height)
    return found
