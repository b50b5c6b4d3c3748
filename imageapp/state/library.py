"""State of the library page: one page of active images, read off the event loop."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imageapp.config import get_settings
from imageapp.db import session_scope
from imageapp.services.library import ImagePage, list_active_images


@dataclasses.dataclass(frozen=True)
class LibraryItem:
    """What one card of the library grid shows (plain values the browser can hold)."""

    id: int
    title: str
    alt_text: str


def read_library_page(page: int) -> ImagePage:
    """One page of active images; blocking DB work, so callers run it in a thread."""
    with session_scope() as session:
        return list_active_images(session, page=page, page_size=get_settings().page_size)


class LibraryState(rx.State):
    """The library grid: thin, the library service does the reading."""

    items: list[LibraryItem] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False

    @rx.event
    async def load_page(self) -> None:
        """Load the page named in the URL (``?page=N``) when the library page opens."""
        requested = self.router.url.query_parameters.get("page", "1")
        page = int(requested) if requested.isdigit() else 1
        result = await asyncio.to_thread(read_library_page, page)
        self.items = [
            LibraryItem(id=item.id, title=item.title, alt_text=item.alt_text)
            for item in result.items
        ]
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.loaded = True
