"""Finding the file to serve for an active image (the media route's only source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, ImageStatus
from imageapp.services.storage import LocalStorage
from imageapp.services.validation import ALLOWED_TYPES


@dataclass(frozen=True, slots=True)
class MediaFile:
    path: Path
    mime_type: str
    download_name: str


def active_image_file(engine: Engine, storage: LocalStorage, image_id: int) -> MediaFile | None:
    """The stored original of an ACTIVE image, or None (pending, inactive, missing)."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(col(Image.file_path), col(Image.mime_type), col(Image.slug)).where(
                col(Image.id) == image_id, col(Image.status) == ImageStatus.ACTIVE.value
            )
        ).first()
    if row is None or not row.file_path:
        return None
    path = storage.path_of(row.file_path)
    if not path.is_file():
        return None
    extension = ALLOWED_TYPES[row.mime_type].extension
    # Server-chosen name: the slug is [a-z0-9-] only, so the header needs no escaping.
    return MediaFile(
        path=path, mime_type=row.mime_type, download_name=f"{row.slug or image_id}.{extension}"
    )
