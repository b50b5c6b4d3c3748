"""Small factories for service tests: stores, pending uploads and finished images (many at once
too)."""

from __future__ import annotations

import uuid
from io import BytesIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.config import DEFAULT_PRESETS
from imageapp.models import Image, Store, utcnow
from imageapp.services.accounts import CurrentUser
from imageapp.services.metadata import ImageMetadata, parse_metadata
from imageapp.services.storage import Storage
from imageapp.services.uploads import PendingUpload, UploadService
from tests.images import jpeg_bytes

# The files the default presets make of one photo (thumb and web, each AVIF, WebP and JPEG).
RENDITIONS_PER_IMAGE = sum(len(preset.formats) for preset in DEFAULT_PRESETS)


def metadata(title: str = "Sunset", **fields: str) -> ImageMetadata:
    values = {"title": title, "alt_text": f"A photo: {title}"} | fields
    return parse_metadata(**values)


def a_store(engine: Engine, name: str = "Test store") -> int:
    """The id of the store ``name``, made on first use (uploads always belong to a store)."""
    with engine.begin() as connection:
        found = connection.scalar(sa.select(col(Store.id)).where(col(Store.name) == name))
        if found is not None:
            return int(found)
        return int(
            connection.execute(
                sa.insert(Store).values(name=name, created_at=utcnow()).returning(col(Store.id))
            ).scalar_one()
        )


def pending_upload(
    uploads: UploadService,
    owner: str = "session-1",
    data: bytes | None = None,
    filename: str = "photo.jpg",
    store_id: int | None = None,
) -> PendingUpload:
    return uploads.create_pending(
        stream=BytesIO(data if data is not None else jpeg_bytes()),
        filename=filename,
        owner=owner,
        client_mime_type="image/jpeg",
        store_id=store_id if store_id is not None else a_store(uploads.engine),
    )


def finished_image(uploads: UploadService, user: CurrentUser, seed: int) -> int:
    """An active image "P<seed>" of the user's store, uploaded and finished as step 2 does."""
    pending = uploads.create_pending(
        stream=BytesIO(jpeg_bytes((40, 30), seed=seed)),
        filename="p.jpg",
        owner=user.upload_owner,
        store_id=user.store_id,
        uploaded_by=user.id,
    )
    return uploads.finalize(
        token=pending.upload_token, owner=user.upload_owner, metadata=metadata(f"P{seed}")
    )


def stored_images(
    engine: Engine,
    storage: Storage,
    *,
    store_id: int,
    count: int,
    status: str = "active",
    with_files: bool = True,
) -> list[int]:
    """``count`` finished images of the store in one bulk insert, each with a real (tiny, never
    decoded) file unless ``with_files`` is False (tests that never look at files save the disk
    writes): for tests about large selections, not about uploading. Ids in insert order."""
    rows = []
    for n in range(count):
        name = f"{uuid.uuid4()}.jpg"
        if with_files:
            storage.write_image_file(name, b"a stored image")
        now = utcnow()
        rows.append(
            {
                "status": status,
                "file_path": f"images/{name}",
                "original_filename": f"p{n}.jpg",
                "mime_type": "image/jpeg",
                "size_bytes": 14,
                "width": 4,
                "height": 3,
                "title": f"Stored {n}",
                "alt_text": "A stored image",
                "slug": f"stored-{n}",
                "store_id": store_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    with engine.begin() as connection:
        inserted = connection.execute(
            sa.insert(Image).returning(col(Image.id), sort_by_parameter_order=True), rows
        )
        return [image_id for (image_id,) in inserted]
