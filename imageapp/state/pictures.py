"""Display values for a ``<picture>`` (renditions first, the original as fallback).

The URLs come from services/pictures.py, the one place both UIs build media URLs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.engine import Engine

from imageapp.models import ImageStatus
from imageapp.services.library import ImageSummary
from imageapp.services.pictures import Picture, picture_for
from imageapp.services.renditions import renditions_of

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
    are being made), so the page swaps them in when they are ready (state/rendition_watch.py)."""

    src: str = ""
    width: int = 0
    height: int = 0
    sources: list[ImageSource] = dataclasses.field(default_factory=list)
    image_id: int = 0
    waiting: bool = False

    @classmethod
    def of(cls, picture: Picture, image_id: int) -> PictureView:
        return cls(
            src=picture.src,
            width=picture.width,
            height=picture.height,
            sources=[ImageSource(source.mime_type, source.srcset) for source in picture.sources],
            image_id=image_id,
            waiting=not picture.sources,
        )


class Shown(Protocol):
    """What a picture is made from: an image's id and size (ImageSummary has them)."""

    @property
    def id(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


def pictures_of(engine: Engine, images: Iterable[Shown], preset: str) -> dict[int, PictureView]:
    """The picture of each image through ``preset``; blocking (one query), run in a thread."""
    shown = list(images)
    found = renditions_of(engine, (image.id for image in shown))
    return {
        image.id: PictureView.of(
            picture_for(
                image_id=image.id,
                width=image.width,
                height=image.height,
                renditions=found.get(image.id, ()),
                preset=preset,
            ),
            image.id,
        )
        for image in shown
    }


def active_pictures(
    engine: Engine, images: Iterable[ImageSummary], preset: str
) -> dict[int, PictureView]:
    """Pictures of the active ones among ``images``; the media route refuses the others' files,
    so pages show a placeholder for them."""
    active = (image for image in images if image.status == ImageStatus.ACTIVE.value)
    return pictures_of(engine, active, preset)
