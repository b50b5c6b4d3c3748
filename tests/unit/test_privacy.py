"""Metadata stripping: personal data goes, pixels and the ICC profile stay, nothing re-encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from imageapp.services.privacy import MetadataStripError, strip_metadata
from tests.images import gif_bytes, jpeg_bytes, png_bytes, webp_bytes
from tests.images_metadata import (
    GPS_IFD,
    ORIENTATION,
    gif_with_metadata,
    has_no_personal_metadata,
    jpeg_with_metadata,
    png_with_metadata,
    srgb_profile,
    webp_with_metadata,
)

WITH_METADATA: list[tuple[str, str, Callable[[], bytes]]] = [
    ("image/jpeg", "jpg", jpeg_with_metadata),
    ("image/jpeg", "jpg", lambda: jpeg_with_metadata(progressive=True)),
    ("image/png", "png", png_with_metadata),
    ("image/png", "png", lambda: png_with_metadata("RGBA")),
    ("image/webp", "webp", webp_with_metadata),
    ("image/gif", "gif", gif_with_metadata),
]


def frames_of(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def write(tmp_path: Path, data: bytes, extension: str) -> Path:
    path = tmp_path / f"upload.{extension}"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("mime_type", "extension", "factory"), WITH_METADATA)
def test_metadata_goes_pixels_and_icc_stay(
    tmp_path: Path, mime_type: str, extension: str, factory: Callable[[], bytes]
) -> None:
    original = factory()
    path = write(tmp_path, original, extension)
    before = frames_of(path)
    assert not has_no_personal_metadata(original)  # the fixture really carries some

    assert strip_metadata(path, mime_type) is True

    data = path.read_bytes()
    assert has_no_personal_metadata(data)
    assert b"eXIf" not in data
    assert b"EXIF" not in data
    assert frames_of(path) == before  # lossless: identical pixels, every frame
    with Image.open(path) as image:
        assert dict(image.getexif()) == {}
        assert "xmp" not in image.info
        assert "comment" not in image.info
        if mime_type != "image/gif":
            assert image.info.get("icc_profile") == srgb_profile()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_jpeg_keeps_only_the_orientation_tag(tmp_path: Path) -> None:
    path = write(tmp_path, jpeg_with_metadata(orientation=6), "jpg")
    strip_metadata(path, "image/jpeg")
    with Image.open(path) as image:
        exif = image.getexif()
        assert dict(exif) == {ORIENTATION: 6}
        assert exif.get_ifd(GPS_IFD) == {}
        assert image.info.get("icc_profile") == srgb_profile()
        assert image.info["jfif_version"]  # JFIF's APP0 still leads
    data = path.read_bytes()
    assert data[2:4] == b"\xff\xe0"
    assert b"Jane" not in data
    assert b"GPS" not in data


@pytest.mark.parametrize(
    ("mime_type", "extension", "data"),
    [
        ("image/jpeg", "jpg", jpeg_bytes()),
        ("image/png", "png", png_bytes()),
        ("image/webp", "webp", webp_bytes()),
        ("image/gif", "gif", gif_bytes()),
    ],
)
def test_clean_files_are_left_untouched(
    tmp_path: Path, mime_type: str, extension: str, data: bytes
) -> None:
    path = write(tmp_path, data, extension)
    assert strip_metadata(path, mime_type) is False
    assert path.read_bytes() == data


def test_data_after_the_jpeg_end_is_dropped(tmp_path: Path) -> None:
    """MPO files hide a second JPEG, with its own EXIF, after the first one's end."""
    clean = jpeg_bytes()
    path = write(tmp_path, clean + jpeg_with_metadata(), "jpg")
    assert strip_metadata(path, "image/jpeg") is True
    assert path.read_bytes() == clean


def test_a_structure_it_cannot_walk_is_an_error(tmp_path: Path) -> None:
    data = bytearray(jpeg_bytes())
    data[4:6] = b"\xff\xff"  # first segment claims to run past the end of the file
    path = write(tmp_path, bytes(data), "jpg")
    with pytest.raises(MetadataStripError):
        strip_metadata(path, "image/jpeg")
