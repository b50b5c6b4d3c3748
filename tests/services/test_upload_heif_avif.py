"""HEIC and AVIF through the upload service: accepted, cleaned, bombs refused before decoding,
animations shown by their first frame, AVIF copies smaller than WebP for photos."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageFilter
from sqlalchemy.engine import Engine

from imageapp.services.errors import UploadRejected
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
from tests.images import (
    animated_avif_bytes,
    encode,
    heic_claiming,
    heic_collection_bytes,
    make_image,
)
from tests.images_metadata import (
    GPS_IFD,
    SECRET,
    avif_with_metadata,
    heic_with_metadata,
    private_exif,
    srgb_profile,
)
from tests.services.test_upload_formats import (
    assert_no_personal_metadata,
    pending_path,
    served_files,
)
from tests.stored import temp_names

# Pixels and formats, not where they are kept: the local disk only (the bucket's own
# uploads, privacy and renditions tests cover storing them there).
pytestmark = pytest.mark.local_storage_only


@pytest.mark.parametrize(
    ("factory", "mime_type"),
    [(heic_with_metadata, "image/heic"), (avif_with_metadata, "image/avif")],
)
def test_the_stored_original_keeps_pixels_and_icc_but_no_metadata(
    uploads: UploadService, factory: object, mime_type: str
) -> None:
    data = factory()  # type: ignore[operator]
    assert SECRET in data
    with Image.open(io.BytesIO(data)) as image:
        pixels = image.convert("RGB").tobytes()
        assert GPS_IFD in image.getexif()
    pending = pending_upload(uploads, data=data)
    assert pending.mime_type == mime_type
    path = pending_path(uploads, pending.upload_token)
    assert_no_personal_metadata(path)
    assert path.stat().st_size == len(data)  # zeroed in place: nothing re-encoded, nothing moved
    with Image.open(path) as image:
        assert image.convert("RGB").tobytes() == pixels
        assert image.info.get("icc_profile") == srgb_profile()


def test_a_heic_claiming_huge_dimensions_is_refused_before_decoding(
    uploads: UploadService, storage: Storage
) -> None:
    started = time.monotonic()
    with pytest.raises(UploadRejected) as err:
        pending_upload(uploads, data=heic_claiming(60_000, 60_000))
    assert time.monotonic() - started < 1.0
    assert err.value.code == "too_many_pixels"
    assert temp_names(storage) == []


def test_a_real_heic_over_the_pixel_limit_is_refused(uploads: UploadService) -> None:
    uploads.settings.max_pixels = 2_000
    with pytest.raises(UploadRejected) as err:
        pending_upload(uploads, data=encode(make_image((100, 50)), "HEIF"))
    assert err.value.code == "too_many_pixels"


@pytest.mark.parametrize("factory", [animated_avif_bytes, heic_collection_bytes])
def test_an_animation_is_kept_and_its_copies_show_the_first_frame(
    uploads: UploadService, engine: Engine, storage: Storage, factory: object
) -> None:
    data = factory((64, 48), 3)  # type: ignore[operator]
    pending = pending_upload(uploads, data=data)
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    files = served_files(engine, storage, image_id)
    with Image.open(files["original"]) as original:
        assert original.n_frames == 3
        first = original.convert("RGB")
    assert len(files) == 7
    for name, path in files.items():
        if name == "original":
            continue
        with Image.open(path) as copy:
            assert getattr(copy, "n_frames", 1) == 1, name
            got = copy.convert("RGB").tobytes()
        difference = sum(abs(a - b) for a, b in zip(got, first.tobytes(), strict=True))
        assert difference / len(got) < 12, name  # the first frame (lossy), not another


def photo(size: tuple[int, int]) -> Image.Image:
    """Smooth shapes and gentle texture, as a photo has (pure noise is no photo)."""
    picture = make_image((size[0] // 8, size[1] // 8)).resize(size, Image.Resampling.BICUBIC)
    return picture.filter(ImageFilter.GaussianBlur(2))


def test_avif_copies_are_smaller_than_webp_for_photos(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    pending = pending_upload(uploads, data=encode(photo((2400, 1600)), "JPEG", quality=92))
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    files = served_files(engine, storage, image_id)
    for preset in ("thumb", "web"):
        avif, webp = files[f"{preset}.avif"], files[f"{preset}.webp"]
        assert avif.stat().st_size < webp.stat().st_size, preset
        with Image.open(avif) as image:
            assert image.format == "AVIF"


def test_an_avif_sequence_with_exif_is_accepted_and_cleaned(uploads: UploadService) -> None:
    """libavif lists a sequence's EXIF as an item of the file and of its track, at the same
    bytes: that is one thing to blank, not a damaged file (it was refused before)."""
    frames = [make_image((64, 48), seed=n) for n in range(2)]
    exif = private_exif().tobytes()
    data = encode(frames[0], "AVIF", save_all=True, append_images=frames[1:], exif=exif)
    assert SECRET in data
    pending = pending_upload(uploads, data=data)
    stored, _mime_type = uploads.pending_file(token=pending.upload_token, owner="session-1")
    assert_no_personal_metadata(uploads.storage.path_of(stored))
