"""The file checks of step 1, on real images made by Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from imageapp.services.errors import UploadRejected
from imageapp.services.validation import (
    ALLOWED_TYPES,
    format_bytes,
    inspect_image,
    safe_original_filename,
    sniff_type,
)
from tests.images import (
    HTML,
    IMAGE_FACTORIES,
    SVG,
    encode,
    make_image,
    mpo_bytes,
    png_claiming,
    truncated_jpeg,
)
from tests.images_metadata import oriented_file


@pytest.mark.parametrize("mime_type", sorted(IMAGE_FACTORIES))
def test_allowed_types_are_sniffed_and_decoded(tmp_path: Path, mime_type: str) -> None:
    data = IMAGE_FACTORIES[mime_type]((40, 30))
    image_type = sniff_type(data)
    assert image_type.mime_type == mime_type
    path = tmp_path / f"x.{image_type.extension}"
    path.write_bytes(data)
    info = inspect_image(path, image_type, max_pixels=40_000_000)
    assert (info.width, info.height) == (40, 30)


NOT_OURS = "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."
ONLY_OURS = "image; only JPEG, PNG, GIF, WebP, HEIC or AVIF images are accepted."
XPM = b'/* XPM */\nstatic char *x[] = {\n"1 1 1 1",\n"a c #FF0000",\n"a"};\n'


def tiny(fmt: str) -> bytes:
    return encode(make_image((8, 8)), fmt)


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        (b"", "empty", "The file is empty. Please choose an image file."),
        (b"hello, world", "not_an_image", NOT_OURS),
        (HTML, "not_an_image", NOT_OURS),
        (tiny("PDF"), "not_an_image", NOT_OURS),
        (SVG, "unsupported_type", f"This is an SVG {ONLY_OURS}"),
        (SVG.split(b"\n", 1)[1], "unsupported_type", f"This is an SVG {ONLY_OURS}"),
        (tiny("BMP"), "unsupported_type", f"This is a BMP {ONLY_OURS}"),
        (tiny("TIFF"), "unsupported_type", f"This is a TIFF {ONLY_OURS}"),
        (tiny("ICO"), "unsupported_type", f"This is an icon (ICO) {ONLY_OURS}"),
        (tiny("JPEG2000"), "unsupported_type", f"This is a JPEG 2000 {ONLY_OURS}"),
        (
            XPM,
            "unsupported_type",
            "Images of type image/x-xpixmap are not accepted; only JPEG, PNG, GIF, WebP, HEIC or "
            "AVIF images are.",
        ),
    ],
)
def test_sniffing_refuses_what_is_not_allowed(payload: bytes, code: str, message: str) -> None:
    with pytest.raises(UploadRejected) as err:
        sniff_type(payload)
    assert err.value.code == code
    assert err.value.message == message


def test_a_multi_picture_jpeg_is_a_jpeg_of_its_first_picture(tmp_path: Path) -> None:
    """libmagic calls an MPO a JPEG, Pillow "MPO"; the draft decode and its frames agree."""
    data = mpo_bytes((96, 64))
    image_type = sniff_type(data)
    assert image_type.mime_type == "image/jpeg"
    path = tmp_path / "phone.jpg"
    path.write_bytes(data)
    with Image.open(path, formats=image_type.pillow_formats) as image:
        assert (image.format, image.n_frames) == ("MPO", 2)
    info = inspect_image(path, image_type, max_pixels=40_000_000)
    assert (info.width, info.height, info.frames) == (96, 64, 1)


@pytest.mark.parametrize(("fmt", "mime_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_an_unreadable_exif_block_counts_as_no_orientation(
    tmp_path: Path, fmt: str, mime_type: str
) -> None:
    """It is dropped with the metadata anyway; the picture itself is fine."""
    path = tmp_path / "odd.img"
    path.write_bytes(encode(make_image((40, 30)), fmt, exif=b"Exif\x00\x00not a TIFF block"))
    info = inspect_image(path, ALLOWED_TYPES[mime_type], max_pixels=40_000_000)
    assert (info.width, info.height, info.orientation) == (40, 30, 1)


def test_the_size_people_see_swaps_for_quarter_turns(tmp_path: Path) -> None:
    path = tmp_path / "turned.jpg"
    for orientation in range(1, 9):
        path.write_bytes(oriented_file("jpeg", orientation, (120, 60)))
        info = inspect_image(path, ALLOWED_TYPES["image/jpeg"], max_pixels=40_000_000)
        assert info.orientation == orientation
        assert info.shown_size == (120, 60)


def test_truncated_jpeg_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(truncated_jpeg())
    with pytest.raises(UploadRejected) as err:
        inspect_image(path, ALLOWED_TYPES["image/jpeg"], max_pixels=40_000_000)
    assert err.value.code == "damaged"


def test_png_header_claiming_huge_size_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(30000, 30000))
    with pytest.raises(UploadRejected) as err:
        inspect_image(path, ALLOWED_TYPES["image/png"], max_pixels=40_000_000)
    assert err.value.code == "too_many_pixels"
    assert "megapixels" in err.value.message


def test_pixel_limit_is_the_configured_one(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(IMAGE_FACTORIES["image/png"]((100, 100)))
    with pytest.raises(UploadRejected) as err:
        inspect_image(path, ALLOWED_TYPES["image/png"], max_pixels=9_999)
    assert err.value.code == "too_many_pixels"
    assert "more than 0.009999 megapixels" in err.value.message


def test_disguised_content_is_refused(tmp_path: Path) -> None:
    """A PNG handed to the JPEG decoder (sniffed type and decoder disagree) is refused."""
    path = tmp_path / "x.jpg"
    path.write_bytes(IMAGE_FACTORIES["image/png"]((10, 10)))
    with pytest.raises(UploadRejected) as err:
        inspect_image(path, ALLOWED_TYPES["image/jpeg"], max_pixels=40_000_000)
    assert err.value.code == "damaged"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32.jpg", "system32.jpg"),
        ("evil\x00.php.jpg", "evil.php.jpg"),
        ("Été à Paris 🌅.jpg", "Été à Paris 🌅.jpg"),
        ("", "image"),
        (None, "image"),
        ("..", "image"),
        ("a" * 300 + ".jpeg", "a" * 250 + ".jpeg"),
    ],
)
def test_client_filenames_are_made_safe(given: str | None, kept: str) -> None:
    result = safe_original_filename(given)
    assert result == kept
    assert len(result) <= 255


@pytest.mark.parametrize(
    ("size", "text"), [(512, "512 bytes"), (26_214_400, "25 MB"), (1536, "1.5 KB")]
)
def test_format_bytes(size: int, text: str) -> None:
    assert format_bytes(size) == text
