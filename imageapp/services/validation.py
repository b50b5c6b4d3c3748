"""Checks of an uploaded file: sniffed type, integrity, pixels. Client claims are never trusted.

Order matters for cost: libmagic on the first bytes (refuses non-images before anything is
written), then Pillow reads the header (refuses decompression bombs before decoding), then a
full decode (catches truncated and corrupt files that ``verify()`` lets through).
"""

from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import magic
from PIL import Image, ImageFile, ImageSequence, UnidentifiedImageError

import imageapp.services.codecs  # noqa: F401  (registers the HEIC/HEIF reader)
from imageapp.services.camera_facts import NO_FACTS, CameraFacts, read_metadata
from imageapp.services.errors import UploadRejected
from imageapp.services.metadata_found import NOTHING_FOUND, FoundMetadata
from imageapp.services.orientation import exif_orientation, shown_size

SNIFF_BYTES = 8192
# An animation may decode to this many times the single-image pixel limit in total.
ANIMATION_PIXEL_FACTOR = 10
ALLOWED_LABEL = "JPEG, PNG, GIF, WebP, HEIC or AVIF"


@dataclass(frozen=True, slots=True)
class ImageType:
    mime_type: str
    extension: str
    pillow_formats: tuple[str, ...]


ALLOWED_TYPES: dict[str, ImageType] = {
    # Pillow's JPEG opener returns a multi-picture JPEG as format "MPO" (libmagic: image/jpeg).
    "image/jpeg": ImageType("image/jpeg", "jpg", ("JPEG",)),
    "image/png": ImageType("image/png", "png", ("PNG",)),
    "image/gif": ImageType("image/gif", "gif", ("GIF",)),
    "image/webp": ImageType("image/webp", "webp", ("WEBP",)),
    # libmagic by ftyp brand: heic, heix -> image/heic; mif1 -> image/heif; msf1 ->
    # image/heif-sequence; hevc -> image/heic-sequence; avif, avis -> image/avif. A "mif1" or
    # "msf1" file naming "avif" among its brands is AV1 inside: sniff_type calls it AVIF.
    "image/heic": ImageType("image/heic", "heic", ("HEIF",)),
    "image/heic-sequence": ImageType("image/heic-sequence", "heic", ("HEIF",)),
    "image/heif": ImageType("image/heif", "heif", ("HEIF",)),
    "image/heif-sequence": ImageType("image/heif-sequence", "heif", ("HEIF",)),
    "image/avif": ImageType("image/avif", "avif", ("AVIF",)),
}
# Browsers without a HEIC codec may not know its MIME type: the extensions go in too.
ACCEPT_ATTRIBUTE = ",".join([*ALLOWED_TYPES, ".heic", ".heif", ".avif"])
# What a refused image is called in its message ("This is a TIFF image; ..."), by sniffed type.
REFUSED_IMAGE_NAMES: dict[str, str] = {
    "image/bmp": "a BMP",
    "image/x-ms-bmp": "a BMP",
    "image/jp2": "a JPEG 2000",
    "image/jpx": "a JPEG 2000",
    "image/jpm": "a JPEG 2000",
    "image/jxl": "a JPEG XL",
    "image/svg+xml": "an SVG",
    "image/tiff": "a TIFF",
    "image/vnd.adobe.photoshop": "a Photoshop (PSD)",
    "image/vnd.microsoft.icon": "an icon (ICO)",
    "image/x-icon": "an icon (ICO)",
    "image/x-icns": "a Mac icon (ICNS)",
    "image/x-pcx": "a PCX",
    "image/x-portable-anymap": "a Netpbm",
    "image/x-portable-bitmap": "a Netpbm",
    "image/x-portable-graymap": "a Netpbm",
    "image/x-portable-pixmap": "a Netpbm",
    "image/x-qoi": "a QOI",
    "image/x-tga": "a TGA",
    "image/x-xcf": "a GIMP (XCF)",
}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    width: int  # as stored
    height: int
    frames: int
    orientation: int = 1  # EXIF orientation (1-8)
    # Read from the same parsed EXIF, before the strip (camera_facts.py).
    facts: CameraFacts = NO_FACTS
    found: FoundMetadata = NOTHING_FOUND

    @property
    def shown_size(self) -> tuple[int, int]:
        """Width and height as people see the image, once its orientation is applied."""
        return shown_size((self.width, self.height), self.orientation)


def format_bytes(size: int) -> str:
    """Human size with binary units, as people read them: 26214400 -> '25 MB'."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def too_large(max_bytes: int) -> UploadRejected:
    return UploadRejected(
        "too_large", f"File is larger than {format_bytes(max_bytes)}, the upload limit."
    )


def empty_file() -> UploadRejected:
    return UploadRejected("empty", "The file is empty. Please choose an image file.")


def sniff_type(head: bytes) -> ImageType:
    """The allowed image type of these first bytes, judged by libmagic alone."""
    if not head:
        raise empty_file()
    mime_type = _av1_in_heif(head, magic.from_buffer(head[:SNIFF_BYTES], mime=True))
    allowed = ALLOWED_TYPES.get(mime_type)
    if allowed is not None:
        return allowed
    if b"<svg" in head[:SNIFF_BYTES].lower():  # libmagic may call an SVG XML or text
        mime_type = "image/svg+xml"
    if mime_type.startswith("image/"):
        raise UploadRejected("unsupported_type", _refused_image_message(mime_type))
    raise UploadRejected("not_an_image", f"This is not a {ALLOWED_LABEL} image.")


def _av1_in_heif(head: bytes, mime_type: str) -> str:
    """A generic HEIF ("mif1"/"msf1" brand) whose ftyp lists "avif" holds AV1: an AVIF."""
    if mime_type not in ("image/heif", "image/heif-sequence") or head[4:8] != b"ftyp":
        return mime_type
    ftyp_size = int.from_bytes(head[:4], "big")
    brands = head[16:ftyp_size]
    listed = {bytes(brands[at : at + 4]) for at in range(0, len(brands) - 3, 4)}
    return "image/avif" if b"avif" in listed or b"avis" in listed else mime_type


def _refused_image_message(mime_type: str) -> str:
    name = REFUSED_IMAGE_NAMES.get(mime_type)
    if name is None:
        return f"Images of type {mime_type} are not accepted; only {ALLOWED_LABEL} images are."
    return f"This is {name} image; only {ALLOWED_LABEL} images are accepted."


def inspect_image(path: Path, image_type: ImageType, max_pixels: int) -> ImageInfo:
    """Open and fully decode the file as ``image_type``; refuse bombs, damage and disguises."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=image_type.pillow_formats) as image:
                width, height = image.size  # before draft() shrinks it
                _check_pixels(width, height, max_pixels)
                orientation = exif_orientation(image)
                frames = _decode_fully(image, max_pixels)
                facts, found = read_metadata(image)
                return ImageInfo(width, height, frames, orientation, facts, found)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(None, None, max_pixels) from None
    except UnidentifiedImageError:
        raise UploadRejected(
            "damaged", "This image is damaged or not what its content claims, and cannot be read."
        ) from None
    # RuntimeError: pillow-heif's (libheif's) own refusals, e.g. a codec that is not built in.
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, RuntimeError):
        raise UploadRejected(
            "damaged", "This image is damaged or incomplete and cannot be read."
        ) from None


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise UploadRejected("damaged", "This image has no pixels.")
    if width * height > max_pixels:
        raise _too_many_pixels(width, height, max_pixels)


def _too_many_pixels(width: int | None, height: int | None, max_pixels: int) -> UploadRejected:
    limit = f"{max_pixels / 1_000_000:g} megapixels"
    if width is None or height is None:
        return UploadRejected("too_many_pixels", f"This image has more than {limit}.")
    return UploadRejected(
        "too_many_pixels",
        f"This image is {width} × {height} pixels; the limit is {limit}.",  # noqa: RUF001,
    )


def _decode_fully(image: ImageFile.ImageFile, max_pixels: int) -> int:
    """Decode every pixel of every frame. JPEG decodes at 1/8 scale: still every byte is read;
    a HEIC/HEIF is decoded by libheif alone (pillow-heif's own file, not copied into Pillow).

    A multi-picture JPEG is one photo: its first picture. What follows it (a depth map, a
    preview) is never shown, and the metadata strip drops it, so only the first is decoded.
    """
    if image.format in ("JPEG", "MPO"):
        image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
    if image.format == "MPO":
        image.load()
        return 1
    frames = getattr(image, "n_frames", 1)
    if frames * image.width * image.height > ANIMATION_PIXEL_FACTOR * max_pixels:
        raise UploadRejected(
            "too_many_frames", "This animation has too many frames to process; please shorten it."
        )
    heif_file = getattr(image, "_heif_file", None) if image.format == "HEIF" else None
    if heif_file is not None:
        # libheif's decode is the check; pillow-heif's copy of the pixels into Pillow is not.
        for picture in heif_file:
            picture.data  # noqa: B018  (the property decodes)
        return frames
    for frame in ImageSequence.Iterator(image):
        frame.load()
    return frames


def safe_original_filename(filename: str | None) -> str:
    """The client's filename reduced to something safe to store and show (never used on disk)."""
    name = (filename or "").replace("\\", "/")
    name = PurePosixPath(PureWindowsPath(name).name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 255:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[: 254 - len(suffix)]}.{suffix}" if dot and len(suffix) <= 10 else name[:255]
    return name or "image"
