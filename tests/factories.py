"""Small factories for service tests: pending uploads and finished images."""

from __future__ import annotations

from io import BytesIO

from imageapp.services.metadata import ImageMetadata, parse_metadata
from imageapp.services.uploads import PendingUpload, UploadService
from tests.images import jpeg_bytes


def metadata(title: str = "Sunset", **fields: str) -> ImageMetadata:
    values = {"title": title, "alt_text": f"A photo: {title}"} | fields
    return parse_metadata(**values)


def pending_upload(
    uploads: UploadService,
    owner: str = "session-1",
    data: bytes | None = None,
    filename: str = "photo.jpg",
) -> PendingUpload:
    return uploads.create_pending(
        stream=BytesIO(data if data is not None else jpeg_bytes()),
        filename=filename,
        owner=owner,
        client_mime_type="image/jpeg",
    )
