"""State of one image's page (`/images/<id>`): its picture and metadata, read in a thread."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp import urls
from imageapp.db import get_engine
from imageapp.services.camera_facts import camera_facts_line
from imageapp.services.ids import parse_id
from imageapp.services.library import ImageSummary
from imageapp.services.usecases.library import DETAIL_PRESET, show_image
from imageapp.services.validation import format_bytes
from imageapp.state.identity import current_user, to_login
from imageapp.state.pictures import MIME_LABELS, PictureView
from imageapp.state.rendition_watch import RenditionWatcher, swapped

IMAGE_PATH = re.compile(r"/images/([^/]+)/?$")


@dataclasses.dataclass(frozen=True)
class ImageView:
    """What the page shows (plain values the browser can hold)."""

    id: int = 0
    title: str = ""
    alt_text: str = ""
    description: str = ""
    slug: str = ""
    tags: list[str] = dataclasses.field(default_factory=list)
    dimensions: str = ""
    file_type: str = ""
    file_size: str = ""
    uploaded: str = ""
    original_filename: str = ""
    original_url: str = ""
    # "Taken 3 May 2025, 14:02 (+02:00) · Canon EOS R6 · ... · ISO 400" ("" when none known).
    camera_facts: str = ""
    picture: PictureView = dataclasses.field(default_factory=PictureView)

    @classmethod
    def of(cls, image: ImageSummary, picture: PictureView) -> ImageView:
        return cls(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            description=image.description,
            slug=image.slug,
            tags=list(image.tags),
            dimensions=f"{image.width} × {image.height} pixels",  # noqa: RUF001
            file_type=MIME_LABELS.get(image.mime_type, image.mime_type),
            file_size=format_bytes(image.size_bytes),
            uploaded=f"{image.created_at:%d %B %Y, %H:%M} UTC",
            original_filename=image.original_filename,
            original_url=urls.media(image.id),
            camera_facts=camera_facts_line(image.facts),
            picture=picture,
        )


def read_image(image_id: int, store_id: int) -> ImageView | None:
    """The store's active image with its picture, or None; blocking, so run in a thread."""
    shown = show_image(get_engine(), store_id=store_id, image_id=image_id, preset=DETAIL_PRESET)
    if shown is None:
        return None
    return ImageView.of(shown.image, PictureView.of(shown.picture, shown.image.id))


def image_id_in(path: str) -> int | None:
    """The id the page's address names; None if it names none a row could have."""
    found = IMAGE_PATH.search(path)
    return parse_id(found[1]) if found else None


class ImageDetailState(RenditionWatcher, rx.State):
    """One image, or "not found" for pending, inactive, unknown and other stores' ids alike."""

    watch_preset: ClassVar[str] = DETAIL_PRESET
    image: ImageView = ImageView()
    found: bool = False
    loaded: bool = False

    @rx.event
    async def load_image(self) -> AsyncIterator[Any]:
        """Read the image named in the URL when its page opens."""
        user = await current_user(self)
        if user is None:
            yield to_login(self)
            return
        image_id = image_id_in(self.router.url.path)
        if image_id != self.image.id:
            self.loaded = False  # never show the previous image under this URL
            yield None
        image = (
            await asyncio.to_thread(read_image, image_id, user.store_id)
            if image_id is not None
            else None
        )
        self.image = image or ImageView()
        self.found = image is not None
        self.loaded = True
        yield self._watch_if_waiting()

    def _pictures(self) -> list[PictureView]:
        return [self.image.picture]

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        self.image = dataclasses.replace(self.image, picture=swapped(self.image.picture, ready))
