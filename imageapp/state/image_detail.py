"""State of one image's page (`/images/<id>`): its picture and metadata, read in a thread,
and deleting it (to the trash, with an "Undo") through the bulk use cases."""

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
from imageapp.services.usecases.bulk import BulkOutcome
from imageapp.services.usecases.library import DETAIL_PRESET, show_image
from imageapp.services.validation import format_bytes
from imageapp.state import bulk_jobs
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
    # Deleting this one image (a question first; afterwards the page offers its "Undo").
    delete_open: bool = False
    delete_question: str = ""
    trashed_message: str = ""
    _trashed_id: int = 0

    @rx.event
    async def load_image(self) -> AsyncIterator[Any]:
        """Read the image named in the URL when its page opens."""
        user = await current_user(self)
        if user is None:
            yield to_login(self)
            return
        image_id = image_id_in(self.router.url.path)
        self.delete_open, self.trashed_message, self._trashed_id = False, "", 0
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

    @rx.event
    async def ask_delete(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        asked = await asyncio.to_thread(bulk_jobs.delete_question, user.store_id, [self.image.id])
        if isinstance(asked, BulkOutcome):  # deleted meanwhile
            self.found, self.trashed_message = False, asked.message
            return None
        self.delete_question, self.delete_open = asked.question, True
        return None

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        self.delete_open = is_open

    @rx.event
    async def confirm_delete(self) -> Any:
        """To the trash; the page then says so and offers to undo it."""
        self.delete_open = False
        user = await current_user(self)
        if user is None:
            return to_login(self)
        image_id = self.image.id
        outcome = await asyncio.to_thread(bulk_jobs.delete, user.store_id, user.id, [image_id])
        self.trashed_message = outcome.message
        self._trashed_id = image_id if outcome.trashed else 0
        self.found = False
        return None

    @rx.event
    async def undo_delete(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        if not self._trashed_id:
            return None
        image_id, self._trashed_id = self._trashed_id, 0
        await asyncio.to_thread(bulk_jobs.undo_delete, user.store_id, [image_id])
        image = await asyncio.to_thread(read_image, image_id, user.store_id)
        self.image, self.found, self.trashed_message = image or ImageView(), image is not None, ""
        return None

    @rx.var
    def can_undo(self) -> bool:
        return bool(self._trashed_id)

    def _pictures(self) -> list[PictureView]:
        return [self.image.picture]

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        self.image = dataclasses.replace(self.image, picture=swapped(self.image.picture, ready))
