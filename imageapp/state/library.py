"""State of the library page: one page of active images, read off the event loop."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from imageapp.config import get_settings
from imageapp.db import get_engine, session_scope
from imageapp.pages import routes
from imageapp.services.library import list_active_images
from imageapp.state.identity import current_user, to_login
from imageapp.state.pictures import PictureView, pictures_of

THUMBNAIL_PRESET = "thumb"


@dataclasses.dataclass(frozen=True)
class LibraryItem:
    """What one card of the library grid shows (plain values the browser can hold)."""

    id: int
    title: str
    alt_text: str
    url: str
    picture: PictureView


@dataclasses.dataclass(frozen=True)
class LibraryPage:
    items: list[LibraryItem]
    total: int
    page: int
    pages: int


def read_library_page(page: int, store_id: int) -> LibraryPage:
    """One page of the store's images with thumbnails; blocking, so callers use a thread."""
    with session_scope() as session:
        result = list_active_images(
            session, store_id=store_id, page=page, page_size=get_settings().page_size
        )
    pictures = pictures_of(get_engine(), result.items, THUMBNAIL_PRESET)
    items = [
        LibraryItem(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            url=routes.image(image.id),
            picture=pictures[image.id],
        )
        for image in result.items
    ]
    return LibraryPage(items=items, total=result.total, page=result.page, pages=result.pages)


class LibraryState(rx.State):
    """The library grid: thin, the library service does the reading."""

    items: list[LibraryItem] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False

    @rx.event
    async def load_page(self) -> Any:
        """Load the page named in the URL (``?page=N``) when the library page opens."""
        user = await current_user(self)
        if user is None:
            return to_login(self)
        requested = self.router.url.query_parameters.get("page", "1")
        page = int(requested) if requested.isdigit() else 1
        result = await asyncio.to_thread(read_library_page, page, user.store_id)
        self.items = result.items
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.loaded = True
        return None
