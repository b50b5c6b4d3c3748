"""What a ``<picture>`` element needs to show one image, for both UIs.

The URLs are the media route's (``/media/<id>`` and ``/media/<id>/<preset>.<digest>.<ext>``),
built by ``imageapp.urls`` so the Reflex pages and the no-JS pages cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imageapp import urls
from imageapp.services.previews import needs_conversion
from imageapp.services.rendering import MIME_TYPES
from imageapp.services.renditions import StoredRendition

# Order of <source> elements: the browser takes the first type it supports.
SOURCE_ORDER = ("avif", "webp", "jpeg", "png")


@dataclass(frozen=True, slots=True)
class PictureSource:
    mime_type: str
    srcset: str  # "url 320w, url 1600w"


@dataclass(frozen=True, slots=True)
class Picture:
    """``<img src width height>`` plus the ``<source>`` list (empty: only the original)."""

    src: str
    width: int
    height: int
    sources: tuple[PictureSource, ...] = ()
    # Renditions of an edit the image no longer has: the new ones are being made.
    outdated: bool = False


def rendition_url(rendition: StoredRendition) -> str:
    return urls.media_file(rendition.image_id, rendition.file_name)


def picture_for(
    *,
    image_id: int,
    width: int,
    height: int,
    renditions: Sequence[StoredRendition],
    preset: str,
    mime_type: str = "",
) -> Picture:
    """The image shown through ``preset`` (and smaller presets for small screens).

    Without renditions (not made yet, or failed) it falls back to the original, or to a JPEG
    made from it when browsers cannot show its type (HEIC/HEIF: only Safari can).
    """
    chosen = [item for item in renditions if item.preset == preset]
    if not chosen:
        return Picture(src=_original_url(image_id, mime_type), width=width, height=height)
    largest = max(item.width for item in chosen)
    # Only copies of the same shape: a "cover" preset's crop is no smaller version of this one.
    shaped = [item for item in renditions if _same_shape(item, chosen[0])]
    sources = tuple(
        PictureSource(mime_type=MIME_TYPES[fmt], srcset=_srcset(shaped, fmt, largest, preset))
        for fmt in SOURCE_ORDER
        if any(item.format == fmt for item in chosen)
    )
    # <img src>: JPEG or PNG if there is one (every browser shows those).
    fallback = min(chosen, key=lambda item: item.format in ("avif", "webp"))
    return Picture(
        src=rendition_url(fallback),
        width=fallback.width,
        height=fallback.height,
        sources=sources,
        outdated=any(item.outdated for item in chosen),
    )


def _same_shape(item: StoredRendition, chosen: StoredRendition) -> bool:
    """The same aspect ratio, give or take the pixel a scaled copy rounds its sides by."""
    cross = abs(item.width * chosen.height - item.height * chosen.width)
    return cross <= max(chosen.width, chosen.height, item.width, item.height)


def _original_url(image_id: int, mime_type: str) -> str:
    if mime_type and needs_conversion(mime_type):
        return urls.media_preview(image_id)
    return urls.media(image_id)


def _srcset(renditions: Sequence[StoredRendition], fmt: str, largest: int, preset: str) -> str:
    """Every width up to ``largest`` once (a small image's presets may share one size)."""
    by_width: dict[int, StoredRendition] = {}
    for item in renditions:
        if item.format != fmt or item.width > largest:
            continue
        if item.width not in by_width or item.preset == preset:
            by_width[item.width] = item
    return ", ".join(f"{rendition_url(by_width[w])} {w}w" for w in sorted(by_width))
