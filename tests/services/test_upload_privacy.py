"""Step 1 strips personal metadata before anything is served, and hashes the upload."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Engine

from imageapp.models import Image as ImageRow
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import pending_upload
from tests.images_metadata import (
    SECRET,
    has_no_personal_metadata,
    jpeg_with_metadata,
    png_with_metadata,
    srgb_profile,
    webp_with_metadata,
)
from tests.stored import as_file, temp_names


@pytest.mark.parametrize("factory", [jpeg_with_metadata, png_with_metadata, webp_with_metadata])
def test_the_pending_file_is_already_clean(
    uploads: UploadService, storage: Storage, engine: Engine, factory: object, tmp_path: Path
) -> None:
    data = factory()  # type: ignore[operator]
    pending = pending_upload(uploads, data=data)
    stored_path, _mime_type = uploads.pending_file(token=pending.upload_token, owner="session-1")
    path = as_file(uploads.storage, stored_path, tmp_path)
    stored = path.read_bytes()
    assert has_no_personal_metadata(stored)
    with Image.open(path) as image:
        assert dict(image.getexif()) == {}
        assert image.info.get("icc_profile") == srgb_profile()
    assert pending.size_bytes == len(stored) < len(data)
    with engine.connect() as connection:
        sha256 = connection.scalar(
            sa.select(ImageRow.sha256).where(ImageRow.id == pending.image_id)
        )
    assert sha256 == hashlib.sha256(data).hexdigest()  # of the bytes as uploaded
    assert temp_names(storage) == [stored_path.rpartition("/")[2]]


def test_the_setting_keeps_metadata_on_the_original(
    uploads: UploadService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(uploads.settings, "keep_original_metadata", True)
    data = jpeg_with_metadata()
    pending = pending_upload(uploads, data=data)
    stored_path, _mime_type = uploads.pending_file(token=pending.upload_token, owner="session-1")
    path = as_file(uploads.storage, stored_path, tmp_path)
    assert path.read_bytes() == data
    assert SECRET in data
