"""Step 1 decodes a HEIC/HEIF with libheif alone (no copy into Pillow), and that decode still
catches damage anywhere in the coded picture and counts every picture of a collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from imageapp.services.errors import UploadRejected
from imageapp.services.validation import ALLOWED_TYPES, inspect_image
from tests.images import encode, heic_collection_bytes, make_image

HEIC = ALLOWED_TYPES["image/heic"]


def heic_photo(tile_size: int | None = None) -> bytes:
    options = {"tile_size": tile_size} if tile_size else {}
    return encode(make_image((640, 480), seed=2), "HEIF", quality=80, **options)


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.heic"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("tile_size", [None, 256])  # one coded picture; a grid, as iPhones do
def test_a_whole_heic_passes_with_its_size(tmp_path: Path, tile_size: int | None) -> None:
    info = inspect_image(written(tmp_path, heic_photo(tile_size)), HEIC, 40_000_000)
    assert (info.width, info.height, info.frames) == (640, 480, 1)


GRID_GAP = pytest.mark.xfail(
    strict=True,
    reason="libheif fills a grid's missing tiles without an error (the old Pillow load did too); "
    "pillow-heif 1.8 does not expose libheif's strict_decoding",
)


@pytest.mark.parametrize("tile_size", [None, pytest.param(256, marks=GRID_GAP)])
def test_a_heic_cut_short_is_refused_as_damaged(tmp_path: Path, tile_size: int | None) -> None:
    data = heic_photo(tile_size)
    with pytest.raises(UploadRejected) as refused:
        inspect_image(written(tmp_path, data[: len(data) * 3 // 4]), HEIC, 40_000_000)
    assert refused.value.code == "damaged"


def test_every_picture_of_a_collection_is_decoded(tmp_path: Path) -> None:
    """The last picture cut short: only decoding every one (not just the primary) finds it."""
    data = heic_collection_bytes((320, 240), frames=3)
    info = inspect_image(written(tmp_path, data), HEIC, 40_000_000)
    assert info.frames == 3
    with pytest.raises(UploadRejected) as refused:
        inspect_image(written(tmp_path, data[: len(data) - 200]), HEIC, 40_000_000)
    assert refused.value.code == "damaged"
