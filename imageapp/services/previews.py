"""What a browser can show of a file it cannot decode: a JPEG made on the fly.

Only Safari shows HEIC/HEIF, so the pending preview of an iPhone photo (step 2, both UIs)
would be a broken image everywhere else. Those get a JPEG of the first picture, upright, at
most ``PREVIEW_EDGE`` pixels on its longest side; every other accepted type is served as it
is. The file passed step 1's checks (type, size, pixel limit) before it can be asked for.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps

from imageapp.services.codecs import READABLE_FORMATS

# What every current browser shows as it is (image/avif: Chrome, Firefox, Safari, Edge).
BROWSER_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
PREVIEW_EDGE = 1600
PREVIEW_QUALITY = 85


def needs_conversion(mime_type: str) -> bool:
    return mime_type not in BROWSER_TYPES


def jpeg_preview(path: Path) -> bytes:
    """A JPEG of the file's first picture, upright, no metadata; blocking (a full decode)."""
    with Image.open(path, formats=READABLE_FORMATS) as image:
        image.draft("RGB", (PREVIEW_EDGE, PREVIEW_EDGE))
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE))
        picture = upright.convert("RGB") if upright.mode != "RGB" else upright
        out = BytesIO()
        picture.save(out, "JPEG", quality=PREVIEW_QUALITY)
    return out.getvalue()
