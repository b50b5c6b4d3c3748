"""Finding the file to serve for an active image (the media route's only source of truth).

Originals and renditions are only ever served for ACTIVE images that are not in the trash.
Every file gets a strong ETag that changes whenever its bytes could: an original's stored name
is a fresh uuid that never holds other bytes; a rendition's name carries the digest of its
content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import Image, Rendition
from imageapp.services.rendering import EXTENSIONS, MIME_TYPES
from imageapp.services.renditions import RENDITION_NAME
from imageapp.services.scoping import in_store, served
from imageapp.services.storage import Storage
from imageapp.services.validation import ALLOWED_TYPES


class AnyStore:
    """Store scope of public media (IMAGEAPP_PUBLIC_MEDIA): active images of every store."""


ANY_STORE = AnyStore()


@dataclass(frozen=True, slots=True)
class MediaFile:
    relative: str  # the stored path (``images/...``), on either backend
    mime_type: str
    download_name: str
    etag: str
    # Content-addressed: the bytes at this name never change (safe to cache for a year).
    digest: str = ""


def _visible(store_scope: int | AnyStore) -> sa.ColumnElement[bool]:
    return sa.true() if isinstance(store_scope, AnyStore) else in_store(store_scope)


def active_image_file(
    engine: Engine, storage: Storage, image_id: int, *, store_scope: int | AnyStore
) -> MediaFile | None:
    """The stored original of an ACTIVE image the viewer may see, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(col(Image.file_path), col(Image.mime_type), col(Image.slug)).where(
                col(Image.id) == image_id,
                served(),
                _visible(store_scope),
            )
        ).first()
    if row is None or not row.file_path:
        return None
    if not storage.exists(row.file_path):
        return None
    extension = ALLOWED_TYPES[row.mime_type].extension
    # Server-chosen name: the slug is [a-z0-9-] only, so the header needs no escaping.
    return MediaFile(
        relative=row.file_path,
        mime_type=row.mime_type,
        download_name=f"{row.slug or image_id}.{extension}",
        etag=f'"{PurePosixPath(row.file_path).stem}"',
    )


def active_rendition_file(
    engine: Engine,
    storage: Storage,
    image_id: int,
    preset: str,
    fmt: str,
    *,
    store_scope: int | AnyStore,
) -> MediaFile | None:
    """One rendition of an ACTIVE image, or None (missing, or the image is not active)."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(col(Rendition.path), col(Image.slug))
            .join(Image, col(Image.id) == col(Rendition.image_id))
            .where(
                col(Rendition.image_id) == image_id,
                col(Rendition.preset) == preset,
                col(Rendition.format) == fmt,
                served(),
                _visible(store_scope),
            )
        ).first()
    if row is None:
        return None
    found = RENDITION_NAME.match(row.path.rpartition("/")[2])
    if found is None or not storage.exists(row.path):
        return None
    return MediaFile(
        relative=row.path,
        mime_type=MIME_TYPES[fmt],
        download_name=f"{row.slug or image_id}-{preset}.{EXTENSIONS[fmt]}",
        etag=f'"{found["digest"]}"',
        digest=found["digest"],
    )
