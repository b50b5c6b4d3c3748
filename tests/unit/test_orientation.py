"""PNG and WebP stored turned are turned upright: pixels, colour, animation, kept metadata."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image, ImageSequence, PngImagePlugin

from imageapp.services.errors import UploadRejected
from imageapp.services.orientation import turn_upright
from tests.images import gif_bytes
from tests.images_metadata import (
    ORIENTATION,
    SECRET,
    oriented_file,
    private_exif,
    save,
    srgb_profile,
    stored_turned,
    upright_quadrants,
)

MAX_PIXELS = 40_000_000
SIZE = (120, 60)
XMP_TURNED = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
)


def write(tmp_path: Path, data: bytes, extension: str) -> Path:
    path = tmp_path / f"upload.{extension}"
    path.write_bytes(data)
    return path


def pixels(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def webp_chunks(data: bytes) -> set[bytes]:
    """Every chunk kind of a WebP, those inside animation frames too."""
    kinds, position = set(), 12
    while position + 8 <= len(data):
        kind, size = struct.unpack("<4sI", data[position : position + 8])
        kinds.add(kind)
        position += 8 + 16 if kind == b"ANMF" else 8 + size + (size & 1)
    return kinds


def test_a_turned_png_keeps_its_colour_chunks_profile_and_density(tmp_path: Path) -> None:
    colour = PngImagePlugin.PngInfo()
    colour.add(b"gAMA", struct.pack(">I", 45455))
    colour.add(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000))
    stored = stored_turned(upright_quadrants(SIZE), 6)
    data = save(
        stored,
        "PNG",
        pnginfo=colour,
        icc_profile=srgb_profile(),
        dpi=(72, 300),
        exif=private_exif(6).tobytes(),
    )
    path = write(tmp_path, data, "png")

    assert turn_upright(path, "image/png", keep_metadata=False, max_pixels=MAX_PIXELS) is True

    assert pixels(path) == [upright_quadrants(SIZE).convert("RGBA").tobytes()]
    turned = path.read_bytes()
    assert b"gAMA" + struct.pack(">I", 45455) in turned
    assert b"cHRM" in turned
    with Image.open(path) as image:
        assert image.info["icc_profile"] == srgb_profile()
        assert tuple(round(v) for v in image.info["dpi"]) == (300, 72)  # turned with the pixels
        assert dict(image.getexif()) == {}
    assert SECRET not in turned  # the personal EXIF went with the orientation
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(("kind", "coded_as"), [("webp", b"VP8 "), ("webp-lossless", b"VP8L")])
def test_a_webp_is_re_encoded_the_way_it_was_coded(
    tmp_path: Path, kind: str, coded_as: bytes
) -> None:
    path = write(tmp_path, oriented_file(kind, 8, SIZE), "webp")
    assert turn_upright(path, "image/webp", keep_metadata=False, max_pixels=MAX_PIXELS) is True
    assert webp_chunks(path.read_bytes()) & {b"VP8 ", b"VP8L"} == {coded_as}
    with Image.open(path) as image:
        assert image.size == SIZE
        assert ORIENTATION not in image.getexif()


def animated(fmt: str, orientation: int, **options: object) -> bytes:
    """Three frames, each the quadrants rolled differently, stored turned."""
    upright = upright_quadrants(SIZE)
    frames = [stored_turned(upright.rotate(180 * (n % 2)), orientation) for n in range(3)]
    return save(
        frames[0],
        fmt,
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=2,
        exif=private_exif(orientation).tobytes(),
        **options,
    )


@pytest.mark.parametrize(
    ("fmt", "mime_type", "options"),
    [("PNG", "image/png", {}), ("WEBP", "image/webp", {"lossless": True})],
)
def test_every_frame_of_an_animation_is_turned_and_keeps_its_timing(
    tmp_path: Path, fmt: str, mime_type: str, options: dict[str, object]
) -> None:
    path = write(tmp_path, animated(fmt, 6, **options), fmt.lower())
    assert turn_upright(path, mime_type, keep_metadata=False, max_pixels=MAX_PIXELS) is True
    upright = upright_quadrants(SIZE)
    expected = [upright.rotate(180 * (n % 2)).convert("RGBA").tobytes() for n in range(3)]
    assert pixels(path) == expected
    with Image.open(path) as image:
        assert image.info["loop"] == 2
        durations = []
        for frame in ImageSequence.Iterator(image):
            frame.load()  # WebP sets a frame's duration as it decodes it
            durations.append(frame.info["duration"])
        assert durations == [100, 200, 300]


def test_a_turned_animation_too_large_to_hold_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, animated("WEBP", 6, lossless=True), "webp")
    before = path.read_bytes()
    with pytest.raises(UploadRejected) as err:
        turn_upright(path, "image/webp", keep_metadata=False, max_pixels=3 * 120 * 60 - 1)
    assert err.value.code == "too_many_frames"
    assert path.read_bytes() == before


@pytest.mark.parametrize(("fmt", "mime_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_kept_metadata_loses_only_the_orientation(tmp_path: Path, fmt: str, mime_type: str) -> None:
    xmp = XMP_TURNED.replace(b"/>", b" dc:creator='" + SECRET + b"'/>")
    options: dict[str, object] = {"exif": private_exif(6).tobytes(), "icc_profile": srgb_profile()}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", SECRET.decode())
        text.add_itxt("XML:com.adobe.xmp", xmp.decode())
        options["pnginfo"] = text
    else:
        options |= {"xmp": xmp, "lossless": True}
    path = write(tmp_path, save(stored_turned(upright_quadrants(SIZE), 6), fmt, **options), "x")

    assert turn_upright(path, mime_type, keep_metadata=True, max_pixels=MAX_PIXELS) is True

    assert pixels(path) == [upright_quadrants(SIZE).convert("RGBA").tobytes()]
    with Image.open(path) as image:
        exif = image.getexif()  # would also find an orientation left in the XMP
        assert ORIENTATION not in exif
        assert exif[0x013B] == SECRET.decode()
        assert image.info["icc_profile"] == srgb_profile()
        kept_xmp = image.info["XML:com.adobe.xmp" if fmt == "PNG" else "xmp"]
        if fmt == "PNG":
            assert image.info["Author"] == SECRET.decode()
    assert SECRET in (kept_xmp if isinstance(kept_xmp, bytes) else kept_xmp.encode())


def test_an_orientation_only_in_the_xmp_is_applied_too(tmp_path: Path) -> None:
    """Pillow reads it (so renditions would turn): the original must agree with them."""
    text = PngImagePlugin.PngInfo()
    text.add_itxt("XML:com.adobe.xmp", XMP_TURNED.decode())
    path = write(
        tmp_path, save(stored_turned(upright_quadrants(SIZE), 6), "PNG", pnginfo=text), "png"
    )
    assert turn_upright(path, "image/png", keep_metadata=False, max_pixels=MAX_PIXELS) is True
    assert pixels(path) == [upright_quadrants(SIZE).convert("RGBA").tobytes()]


@pytest.mark.parametrize(
    ("mime_type", "data"),
    [
        ("image/png", oriented_file("png", 1, SIZE)),
        ("image/webp", oriented_file("webp", 1, SIZE)),
        ("image/jpeg", oriented_file("jpeg", 6, SIZE)),  # browsers apply a JPEG's own tag
        ("image/gif", gif_bytes()),  # no orientation: Pillow reads none, browsers apply none
    ],
)
def test_upright_and_other_files_are_left_alone(
    tmp_path: Path, mime_type: str, data: bytes
) -> None:
    path = write(tmp_path, data, "img")
    assert turn_upright(path, mime_type, keep_metadata=False, max_pixels=MAX_PIXELS) is False
    assert path.read_bytes() == data
