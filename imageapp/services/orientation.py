"""Turning PNG and WebP pixels upright when the file says it is stored turned (EXIF 2-8).

A JPEG keeps its pixels and a minimal Orientation tag (privacy.py): every browser applies a
JPEG's EXIF orientation (CSS ``image-orientation: from-image`` is the default). For PNG and
WebP that support is patchy and the metadata strip drops the tag, so their pixels are turned
instead and the file is re-encoded once, losing nothing visible: PNG is lossless; a lossless
WebP stays lossless (every pixel exact); a lossy WebP is re-encoded lossy at quality 95 with
lossless alpha (README, Privacy, says why not lossless). GIF has no orientation (Pillow reads
none, browsers apply none). The ICC profile and PNG colour chunks stay; an animation keeps
every frame and its timing.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import Any

from PIL import Image, ImageSequence, PngImagePlugin

from imageapp.services.errors import UploadRejected

ORIENTATION = 0x0112
# What shows a picture stored with orientation N the right way up (as ImageOps.exif_transpose).
UPRIGHT: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
PILLOW_FORMATS = {"image/png": "PNG", "image/webp": "WEBP"}
LOSSY_WEBP = {"lossless": False, "quality": 95, "alpha_quality": 100, "method": 4}
# libwebp's fastest lossless effort: about a second for 12 megapixels, ~20% larger than its best.
LOSSLESS_WEBP = {"lossless": True, "quality": 0, "method": 0, "exact": True}
# The chunks (besides iCCP) that tell a browser how to show a PNG's colours: kept as they are.
PNG_COLOUR_CHUNKS = (b"cHRM", b"gAMA", b"sRGB", b"cICP")
_XMP_ORIENTATION = re.compile(
    rb'tiff:Orientation="[0-9]"|<tiff:Orientation>[0-9]</tiff:Orientation>'
)


def exif_orientation(image: Image.Image) -> int:
    """1-8 as the file's EXIF (or XMP) says, read as Pillow reads it; 1 if absent or nonsense.

    An EXIF block that cannot be read counts as none: no browser can apply it either.
    """
    try:
        value = image.getexif().get(ORIENTATION, 1)
    except (SyntaxError, ValueError, struct.error):  # "not a TIFF file" and such
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def shown_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Width and height as displayed: orientations 5-8 swap them."""
    width, height = size
    return (height, width) if orientation >= 5 else (width, height)


def turn_upright(path: Path, mime_type: str, *, keep_metadata: bool, max_pixels: int) -> bool:
    """Rewrite a PNG or WebP stored turned with upright pixels; True if it did.

    The orientation is removed from what is kept, so nothing ever turns the picture twice.
    """
    fmt = PILLOW_FORMATS.get(mime_type)
    if fmt is None:
        return False
    with Image.open(path, formats=(fmt,)) as image:
        orientation = exif_orientation(image)
        if orientation == 1:
            return False
        _check_animation_budget(image, max_pixels)
        if fmt == "PNG":
            options = _png_options(path, image, keep_metadata)
        else:
            options = _webp_options(path, image, keep_metadata)
        if "dpi" in image.info:
            options["dpi"] = shown_size(image.info["dpi"], orientation)
        animation = _animation_options(image, fmt)
        frames = [frame.transpose(UPRIGHT[orientation]) for frame in ImageSequence.Iterator(image)]
    if len(frames) > 1:
        durations = [frame.info.get("duration", 0) for frame in frames]
        options |= animation | {"append_images": frames[1:], "duration": durations}
    part = path.with_name(f".{path.name}.upright")
    try:
        frames[0].save(part, fmt, **options)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, path)
    return True


def _check_animation_budget(image: Image.Image, max_pixels: int) -> None:
    """Pillow's encoders hold every frame: allow the memory of the largest accepted still."""
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and frames * image.width * image.height > max_pixels:
        raise UploadRejected(
            "too_many_frames",
            "This animation is stored turned and is too large to turn upright; please save it "
            "upright and upload it again.",
        )


def _png_options(path: Path, image: Image.Image, keep_metadata: bool) -> dict[str, Any]:
    chunks = PngImagePlugin.PngInfo()
    for kind, data in _png_chunks(path, PNG_COLOUR_CHUNKS):
        chunks.add(kind, data)
    options: dict[str, Any] = {"pnginfo": chunks, "icc_profile": image.info.get("icc_profile")}
    if not keep_metadata:
        return options
    assert isinstance(image, PngImagePlugin.PngImageFile)
    for key, value in image.text.items():
        if key == "Raw profile type exif":  # written as an eXIf chunk instead
            continue
        if key == "XML:com.adobe.xmp":
            value = _without_xmp_orientation(value.encode()).decode()
        if value.isascii():
            chunks.add_text(key, value)
        else:
            chunks.add_itxt(key, value)
    return options | _kept_exif(image)


def _png_chunks(path: Path, kinds: tuple[bytes, ...]) -> list[tuple[bytes, bytes]]:
    """The chunks of these kinds before the pixel data (where the colour chunks must be)."""
    found = []
    with path.open("rb") as handle:
        handle.seek(8)
        while len(header := handle.read(8)) == 8:
            length, kind = struct.unpack(">I4s", header)
            if kind in (b"PLTE", b"IDAT", b"IEND"):
                break
            if kind in kinds:
                found.append((kind, handle.read(length)))
                handle.seek(4, os.SEEK_CUR)  # CRC
            else:
                handle.seek(length + 4, os.SEEK_CUR)
    return found


def _webp_options(path: Path, image: Image.Image, keep_metadata: bool) -> dict[str, Any]:
    encoding = LOSSLESS_WEBP if _webp_picture_kinds(path) == {b"VP8L"} else LOSSY_WEBP
    options = {**encoding, "icc_profile": image.info.get("icc_profile")}
    if not keep_metadata:
        return options
    if xmp := image.info.get("xmp"):
        options["xmp"] = _without_xmp_orientation(xmp)
    return options | _kept_exif(image)


def _webp_picture_kinds(path: Path) -> set[bytes]:
    """How the file's pictures are coded: ``VP8 `` (lossy) and/or ``VP8L`` (lossless)."""
    kinds = set()
    with path.open("rb") as handle:
        handle.seek(12)
        while len(header := handle.read(8)) == 8:
            kind, size = struct.unpack("<4sI", header)
            if kind == b"ANMF":  # a frame: 16 bytes of placement and timing, then its chunks
                handle.seek(16, os.SEEK_CUR)
                continue
            kinds.add(kind)
            handle.seek(size + (size & 1), os.SEEK_CUR)
    return kinds & {b"VP8 ", b"VP8L"}


def _animation_options(image: Image.Image, fmt: str) -> dict[str, Any]:
    """Pillow decodes whole (composited) frames: saved so that each simply replaces the last."""
    options: dict[str, Any] = {"save_all": True, "loop": image.info.get("loop", 0)}
    if fmt == "PNG":
        blend, disposal = PngImagePlugin.Blend.OP_SOURCE, PngImagePlugin.Disposal.OP_NONE
        return options | {"blend": blend, "disposal": disposal}
    return options | {"background": image.info.get("background", (0, 0, 0, 0))}


def _kept_exif(image: Image.Image) -> dict[str, Any]:
    """The EXIF as it was, less the orientation now applied to the pixels."""
    exif = image.getexif()
    exif.pop(ORIENTATION, None)
    # Without the "Exif\0\0" prefix: PNG's eXIf and WebP's EXIF chunk hold the bare TIFF block.
    return {"exif": exif.tobytes().removeprefix(b"Exif\x00\x00")} if len(exif) else {}


def _without_xmp_orientation(xmp: bytes) -> bytes:
    return _XMP_ORIENTATION.sub(b"", xmp)
