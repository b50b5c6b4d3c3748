"""Making web-ready copies of one image with Pillow: ONE decode, every preset, every format.

The order is what keeps it fast and correct: ``draft()`` first (a JPEG then decodes straight
at the smallest DCT scale still at least as large as the biggest preset), orientation applied
next (so every copy is upright), then the largest preset is resized and each smaller one is
derived from the previous, never from the full image again. Nothing is ever enlarged.
Animated images (GIF, WebP, PNG, AVIF and HEIF sequences): the copies show the first frame
(the original stays animated). A HEIC comes decoded upright (pillow-heif applies ``irot``/
``imir``); an AVIF's orientation arrives as its EXIF orientation, applied like a JPEG's.
No copy carries EXIF, XMP or comments; the ICC profile is kept (CMYK is converted to sRGB).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import io
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageCms, ImageOps

from imageapp.config import RenditionFormat, RenditionPreset
from imageapp.services.codecs import READABLE_FORMATS
from imageapp.services.orientation import ORIENTATION, UPRIGHT
from imageapp.services.vips_reader import shrunk_on_load


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


# Bump when the pipeline changes in a way that should redo every rendition on rebuild.
PIPELINE_VERSION = 1
RESAMPLING = Image.Resampling.LANCZOS
# Resize through integer-factor reduction first when the factor exceeds this (fast, still sharp).
REDUCING_GAP = 3.0
EXTENSIONS: dict[str, str] = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
MIME_TYPES: dict[str, str] = {
    "avif": "image/avif",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
_LIBC = _glibc()
Decoder = Literal["pillow", "vips"]
# Originals libvips decodes (vips_reader.py): shrunk while loading, a fraction of the memory.
VIPS_INPUTS = frozenset({"PNG", "WEBP"})
# AVIF encodes on this many threads: renditions are background jobs beside other work.
AVIF_THREADS = 2


@dataclass(frozen=True, slots=True)
class RenderedFile:
    """One encoded copy, not yet stored."""

    preset: str
    format: str
    width: int
    height: int
    data: bytes
    spec: str


def preset_spec(preset: RenditionPreset) -> str:
    """Fingerprint of everything that shapes a preset's files (its name aside)."""
    payload = json.dumps([PIPELINE_VERSION, preset.model_dump(exclude={"name"})], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def output_format(requested: RenditionFormat, has_alpha: bool) -> str:
    """JPEG cannot keep transparency: such images get PNG instead."""
    return "png" if requested == "jpeg" and has_alpha else requested


def decoder_for(pillow_format: str | None) -> Decoder:
    """Which library decodes an original of this (Pillow) format: libvips where Pillow is
    slower or holds far more memory (PNG, WebP), Pillow for the rest (README, Benchmarks)."""
    return "vips" if pillow_format in VIPS_INPUTS else "pillow"


def render_presets(
    path: Path, presets: Sequence[RenditionPreset], *, decoder: Decoder | None = None
) -> list[RenderedFile]:
    """Decode ``path`` once and encode every preset in every format, largest preset first.

    ``decoder``: force one (tests, benchmarks); by default ``decoder_for`` the file's format.
    """
    ordered = sorted(presets, key=lambda preset: preset.longest_side, reverse=True)
    if not ordered:
        return []
    picture, icc_profile = _largest_copy(path, ordered[0].longest_side, decoder)
    release_memory()  # the decoder's buffers go back before the encoders ask for theirs
    return _encode_presets(picture, ordered, icc_profile)


def _largest_copy(
    path: Path, longest_side: int, decoder: Decoder | None
) -> tuple[Image.Image, bytes | None]:
    """The picture at the largest preset's size, upright and web-ready, and its ICC profile.

    Nothing of the full-size decode outlives this call: the file is closed (and its pixels
    freed) before anything is encoded.
    """
    with Image.open(path, formats=READABLE_FORMATS) as source:
        icc_profile = source.info.get("icc_profile")
        if (decoder or decoder_for(source.format)) == "pillow":
            draft(source, longest_side)
            source.load()  # the first frame of an animation
            ImageOps.exif_transpose(source, in_place=True)
            picture, icc_profile = _web_ready(source, icc_profile)
            picture = _fit(picture, longest_side)
            return (picture.copy() if picture is source else picture), icc_profile
        stored_size, orientation = source.size, _orientation_before_pixels(source)
    shrunk = shrunk_on_load(path, target_size(stored_size, longest_side))
    if orientation in UPRIGHT:
        shrunk = shrunk.transpose(UPRIGHT[orientation])
    return _web_ready(shrunk, icc_profile)


def _orientation_before_pixels(source: Image.Image) -> int:
    """The EXIF/XMP orientation as read without decoding: a PNG's own ``getexif()`` decodes
    every pixel to look for an ``eXIf`` chunk after them, so only the chunks before the pixels
    count here (where writers put them; step 1 stores every PNG upright anyway)."""
    try:
        value = Image.Image.getexif(source).get(ORIENTATION, 1)
    except (SyntaxError, ValueError, struct.error):  # as orientation.exif_orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _encode_presets(
    picture: Image.Image, ordered: Sequence[RenditionPreset], icc_profile: bytes | None
) -> list[RenderedFile]:
    has_alpha = picture.mode == "RGBA"
    rendered: dict[tuple[str, str], RenderedFile] = {}
    for preset in ordered:
        picture = _fit(picture, preset.longest_side)
        spec = preset_spec(preset)
        for requested in preset.formats:
            fmt = output_format(requested, has_alpha)
            if (preset.name, fmt) not in rendered:
                rendered[preset.name, fmt] = RenderedFile(
                    preset=preset.name,
                    format=fmt,
                    width=picture.width,
                    height=picture.height,
                    data=_encode(picture, fmt, preset, icc_profile),
                    spec=spec,
                )
                release_memory()
    return list(rendered.values())


def release_memory() -> None:
    """Hand freed heap memory back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    The decoders and encoders (libvips, libavif/libaom, libwebp) allocate on their own threads,
    each with its own glibc arena: memory one freed is not reused by the next, so without this
    a rendition job's peak is the sum of its steps' peaks, not the largest (README, Benchmarks).
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def target_size(size: tuple[int, int], longest_side: int) -> tuple[int, int]:
    """``size`` scaled so its longest side is ``longest_side``; never larger than ``size``."""
    width, height = size
    scale = longest_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def draft(source: Image.Image, longest_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the largest preset allows it."""
    if source.format in ("JPEG", "MPO"):
        source.draft(source.mode, target_size(source.size, longest_side))


def _web_ready(image: Image.Image, icc_profile: bytes | None) -> tuple[Image.Image, bytes | None]:
    """8-bit RGB, or RGBA when some pixel is transparent; metadata dropped from ``info``."""
    if image.mode == "CMYK" and icc_profile:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source_profile, srgb, outputMode="RGB")
        image, icc_profile = converted or image.convert("RGB"), None
    elif image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        image = image.point(lambda value: value * (1 / 256)).convert("L")
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    image = image.convert(mode) if image.mode != mode else image
    if transparent and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an alpha channel with nothing see-through in it
    image.info = {}
    return image, icc_profile


def _fit(image: Image.Image, longest_side: int) -> Image.Image:
    size = target_size(image.size, longest_side)
    if size == image.size:
        return image
    return image.resize(size, RESAMPLING, reducing_gap=REDUCING_GAP)


def _encode(
    image: Image.Image, fmt: str, preset: RenditionPreset, icc_profile: bytes | None
) -> bytes:
    buffer = io.BytesIO()
    icc = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "avif":
        image.save(
            buffer,
            "AVIF",
            quality=preset.avif_quality,
            speed=preset.avif_speed,
            max_threads=AVIF_THREADS,
            **icc,
        )
    elif fmt == "webp":
        image.save(
            buffer,
            "WEBP",
            quality=preset.webp_quality,
            lossless=preset.lossless,
            method=preset.webp_method,
            **icc,
        )
    elif fmt == "jpeg":
        image.save(buffer, "JPEG", quality=preset.jpeg_quality, optimize=True, **icc)
    else:
        image.save(buffer, "PNG", compress_level=6, **icc)
    return buffer.getvalue()
