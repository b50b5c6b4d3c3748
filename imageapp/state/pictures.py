"""Display values for a ``<picture>`` (renditions first, the original as fallback).

The URLs come from services/pictures.py, the one place both UIs build media URLs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from imageapp.services.pictures import Picture

# How people name the accepted types.
MIME_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heic-sequence": "HEIC",
    "image/heif": "HEIF",
    "image/heif-sequence": "HEIF",
    "image/avif": "AVIF",
}


@dataclasses.dataclass(frozen=True)
class ImageSource:
    """One ``<source>``: a format and its widths."""

    mime_type: str
    srcset: str


@dataclasses.dataclass(frozen=True)
class PictureView:
    """A picture as the browser holds it. ``waiting``: only the original so far (its web copies
    are being made) or the renditions of a former edit (being re-made), so the page swaps the
    new ones in when they are ready (state/rendition_watch.py)."""

    src: str = ""
    width: int = 0
    height: int = 0
    sources: list[ImageSource] = dataclasses.field(default_factory=list)
    image_id: int = 0
    waiting: bool = False
    # Showing the renditions of an edit the image no longer has (``waiting`` too): the
    # re-made ones are swapped in once the job has made them.
    remaking: bool = False

    @classmethod
    def of(cls, picture: Picture, image_id: int) -> PictureView:
        return cls(
            src=picture.src,
            width=picture.width,
            height=picture.height,
            sources=[ImageSource(source.mime_type, source.srcset) for source in picture.sources],
            image_id=image_id,
            waiting=not picture.sources or picture.outdated,
            remaking=bool(picture.sources) and picture.outdated,
        )

    @classmethod
    def among(cls, pictures: Mapping[int, Picture], image_id: int) -> PictureView:
        """The image's picture, or an empty one (no picture: an inactive image)."""
        picture = pictures.get(image_id)
        return cls.of(picture, image_id) if picture is not None else cls()
