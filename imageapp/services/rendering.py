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
from imageapp.services.edits import ORIGINAL, ImageEdit, edited_point, edited_size
from imageapp.services.orientation import ORIENTATION, UPRIGHT, shown_size
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
COVER_FIELDS = ("fit", "width", "height")
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
    shape = preset.model_dump(exclude={"name"})
    if preset.fit == "contain":  # as before fit existed: such presets' files stay current
        shape = {key: value for key, value in shape.items() if key not in COVER_FIELDS}
    payload = json.dumps([PIPELINE_VERSION, shape], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def output_format(requested: RenditionFormat, has_alpha: bool) -> str:
    """JPEG cannot keep transparency: such images get PNG instead."""
    return "png" if requested == "jpeg" and has_alpha else requested


def decoder_for(pillow_format: str | None) -> Decoder:
    """Which library decodes an original of this (Pillow) format: libvips where Pillow is
    slower or holds far more memory (PNG, WebP), Pillow for the rest (README, Benchmarks)."""
    return "vips" if pillow_format in VIPS_INPUTS else "pillow"


def render_presets(
    path: Path,
    presets: Sequence[RenditionPreset],
    *,
    decoder: Decoder | None = None,
    edit: ImageEdit = ORIGINAL,
) -> list[RenderedFile]:
    """Decode ``path`` once, apply ``edit`` and encode every preset in every format.

    The decode is only as large as the most demanding preset needs; the edit is applied to
    that (crop scaled to it, then the turn), so editing costs no extra full-size decode.
    ``decoder``: force one (tests, benchmarks); by default ``decoder_for`` the file's format.
    """
    if not presets:
        return []
    with Image.open(path, formats=READABLE_FORMATS) as source:
        stored_size, orientation = source.size, _orientation_before_pixels(source)
    upright = shown_size(stored_size, orientation)
    edited = edited_size(edit, upright)
    scale = min(1.0, max(needed_scale(preset, edited) for preset in presets))
    picture, icc_profile = _decoded(path, _scaled(stored_size, scale), decoder)
    picture = _apply_edit(picture, edit, upright, _scaled(edited, scale))
    release_memory()  # the decoder's buffers go back before the encoders ask for theirs
    focal = _focal_in(picture, edit, upright)
    return _encode_presets(picture, presets, edited, focal, icc_profile)


def needed_scale(preset: RenditionPreset, edited: tuple[int, int]) -> float:
    """How much of the edited picture's resolution ``preset`` uses (1: all of it or more)."""
    width, height = edited
    if preset.fit == "cover":
        assert preset.width is not None
        assert preset.height is not None
        return max(preset.width / width, preset.height / height)
    return preset.longest_side / max(width, height)


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    if scale >= 1:
        return size
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _decoded(
    path: Path, size: tuple[int, int], decoder: Decoder | None
) -> tuple[Image.Image, bytes | None]:
    """The whole picture upright and web-ready, at least ``size`` (as stored, not turned)
    large, and its ICC profile.

    Nothing of a full-size decode that is larger outlives this call: the file is closed (and
    its pixels freed) before anything is encoded.
    """
    with Image.open(path, formats=READABLE_FORMATS) as source:
        icc_profile = source.info.get("icc_profile")
        if (decoder or decoder_for(source.format)) == "pillow":
            if source.format in ("JPEG", "MPO"):
                source.draft(source.mode, size)  # libjpeg decodes at 1/2, 1/4 or 1/8 scale
            source.load()  # the first frame of an animation
            ImageOps.exif_transpose(source, in_place=True)
            picture, icc_profile = _web_ready(source, icc_profile)
            return (picture.copy() if picture is source else picture), icc_profile
        orientation = _orientation_before_pixels(source)
    shrunk = shrunk_on_load(path, size)
    if orientation in UPRIGHT:
        shrunk = shrunk.transpose(UPRIGHT[orientation])
    return _web_ready(shrunk, icc_profile)


# What turns a picture this many degrees clockwise (Pillow's ROTATE_* turn counter-clockwise).
CLOCKWISE: dict[int, Image.Transpose] = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def _apply_edit(
    picture: Image.Image, edit: ImageEdit, upright: tuple[int, int], size: tuple[int, int]
) -> Image.Image:
    """``rotate(crop(picture))`` at ``size`` (the edited size at the decode's scale).

    ``picture`` is the upright original at some scale; the crop, given in pixels of the full
    upright original, is scaled to it (sub-pixel: the resize samples the exact box).
    """
    fx, fy = _scale_of(picture, upright)
    crop = edit.crop
    box = (
        (crop.x * fx, crop.y * fy, (crop.x + crop.width) * fx, (crop.y + crop.height) * fy)
        if crop
        else (0.0, 0.0, float(picture.width), float(picture.height))
    )
    turned = edit.rotate in (90, 270)
    wanted = (size[1], size[0]) if turned else size
    box_size = (box[2] - box[0], box[3] - box[1])
    if wanted == box_size and all(float(value).is_integer() for value in box):
        if box != (0, 0, picture.width, picture.height):
            left, top, right, bottom = (int(value) for value in box)
            picture = picture.crop((left, top, right, bottom))
    else:
        picture = picture.resize(wanted, RESAMPLING, box=box, reducing_gap=REDUCING_GAP)
    if edit.rotate in CLOCKWISE:
        picture = picture.transpose(CLOCKWISE[edit.rotate])
    return picture


def _scale_of(picture: Image.Image, upright: tuple[int, int]) -> tuple[float, float]:
    """Pixels of ``picture`` per pixel of the upright original. A decoder that turned the
    picture itself (HEIC) is recognised by the aspect ratio."""
    width, height = upright
    same = abs(picture.width / picture.height - width / height)
    swapped = abs(picture.width / picture.height - height / width)
    if swapped < same:
        width, height = height, width
    return picture.width / width, picture.height / height


def _focal_in(
    picture: Image.Image, edit: ImageEdit, upright: tuple[int, int]
) -> tuple[float, float]:
    """Where the focal point is in the edited ``picture`` (its centre when there is none)."""
    width, height = edited_size(edit, upright)
    x, y = edited_point(edit, upright)
    return x * picture.width / width, y * picture.height / height


def _encode_presets(
    picture: Image.Image,
    presets: Sequence[RenditionPreset],
    edited: tuple[int, int],
    focal: tuple[float, float],
    icc_profile: bytes | None,
) -> list[RenderedFile]:
    """Every preset of ``picture`` (the edited picture, as large as the largest needs):
    "contain" ones largest first, each from the previous; "cover" ones each from ``picture``."""
    has_alpha = picture.mode == "RGBA"
    rendered: dict[tuple[str, str], RenderedFile] = {}
    contained = sorted(
        (preset for preset in presets if preset.fit == "contain"),
        key=lambda preset: preset.longest_side,
        reverse=True,
    )
    current = picture
    for preset in contained:
        current = _resized(current, target_size(edited, preset.longest_side))
        _encode_preset(rendered, current, preset, has_alpha, icc_profile)
    for preset in presets:
        if preset.fit == "cover":
            assert preset.width is not None
            assert preset.height is not None
            covered = cover(picture, (preset.width, preset.height), focal)
            _encode_preset(rendered, covered, preset, has_alpha, icc_profile)
    return list(rendered.values())


def _encode_preset(
    rendered: dict[tuple[str, str], RenderedFile],
    picture: Image.Image,
    preset: RenditionPreset,
    has_alpha: bool,
    icc_profile: bytes | None,
) -> None:
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


def cover(picture: Image.Image, size: tuple[int, int], focal: tuple[float, float]) -> Image.Image:
    """Exactly ``size``: the largest window of that aspect ratio, centred on ``focal`` as far
    as the picture allows (the window stays inside it), resized (``ImageOps.fit``)."""
    width, height = picture.size
    ratio = size[0] / size[1]
    window = (height * ratio, float(height)) if width / height >= ratio else (width, width / ratio)
    centering = (
        _centering(focal[0], window[0], width),
        _centering(focal[1], window[1], height),
    )
    return ImageOps.fit(picture, size, RESAMPLING, centering=centering)


def _centering(point: float, span: float, whole: float) -> float:
    """``ImageOps.fit``'s centering (0: window at the start, 1: at the end) that puts the
    window's middle on ``point``, clamped so the window stays inside the picture."""
    if whole - span <= 1e-9:
        return 0.5
    return min(1.0, max(0.0, (point - span / 2) / (whole - span)))


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if size == image.size:
        return image
    return image.resize(size, RESAMPLING, reducing_gap=REDUCING_GAP)


def _orientation_before_pixels(source: Image.Image) -> int:
    """The EXIF/XMP orientation as read without decoding: a PNG's own ``getexif()`` decodes
    every pixel to look for an ``eXIf`` chunk after them, so only the chunks before the pixels
    count here (where writers put them; step 1 stores every PNG upright anyway)."""
    try:
        value = Image.Image.getexif(source).get(ORIENTATION, 1)
    except (SyntaxError, ValueError, struct.error):  # as orientation.exif_orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


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
