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

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from imageapp.config import RenditionFormat, RenditionPreset
from imageapp.services.codecs import READABLE_FORMATS

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


def render_presets(path: Path, presets: Sequence[RenditionPreset]) -> list[RenderedFile]:
    """Decode ``path`` once and encode every preset in every format, largest preset first."""
    ordered = sorted(presets, key=lambda preset: preset.longest_side, reverse=True)
    if not ordered:
        return []
    with Image.open(path, formats=READABLE_FORMATS) as source:
        draft(source, ordered[0].longest_side)
        icc_profile = source.info.get("icc_profile")
        source.load()  # the first frame of an animation
        ImageOps.exif_transpose(source, in_place=True)
        picture, icc_profile = _web_ready(source, icc_profile)
        return _encode_presets(picture, ordered, icc_profile)


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
    return list(rendered.values())


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
