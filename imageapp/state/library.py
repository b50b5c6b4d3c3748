"""State of the library page: one page of the store's images, filtered, read off the event loop.

The URL is the source of truth for what is shown (``?status=&gallery=&tag=&q=&page=``, read and
written by the LibraryQuery both UIs share): the filter controls navigate to a new URL and the
page's on_load reads it, so back, reload and shared links all show the same images.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp import urls
from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.factory import build_gallery_service
from imageapp.services.library_query import TEXT_MAX, LibraryQuery
from imageapp.services.metadata import TAG_MAX
from imageapp.services.usecases.library import THUMBNAIL_PRESET, browse_library
from imageapp.services.wording import count_label, matching_label
from imageapp.state.gallery_jobs import GalleryChoice, choice_of
from imageapp.state.identity import current_user, to_login
from imageapp.state.pictures import PictureView
from imageapp.state.rendition_watch import RenditionWatcher, swapped

ANY_GALLERY = "any"  # select items cannot have an empty value


@dataclasses.dataclass(frozen=True)
class LibraryItem:
    """What one card of the library grid shows (plain values the browser can hold)."""

    id: int
    title: str
    alt_text: str
    url: str
    picture: PictureView
    active: bool = True  # an inactive image has no picture: the media route refuses it


@dataclasses.dataclass(frozen=True)
class LibraryPage:
    items: list[LibraryItem]
    total: int
    page: int
    pages: int


@dataclasses.dataclass(frozen=True)
class LibraryView:
    """A page of the library, the filters it applied and the galleries to choose from."""

    page: LibraryPage
    filters: LibraryQuery
    galleries: list[GalleryChoice]


def read_library(store_id: int, filters: LibraryQuery) -> LibraryView:
    """The library page ``filters`` names, as the browser holds it; blocking, run in a thread."""
    found = browse_library(
        get_engine(),
        build_gallery_service(),
        store_id=store_id,
        query=filters,
        page_size=get_settings().page_size,
        preset=THUMBNAIL_PRESET,
    )
    listing = found.listing
    items = [
        LibraryItem(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            url=urls.image(image.id),
            picture=PictureView.among(found.pictures, image.id),
            active=image.id in found.pictures,
        )
        for image in listing.items
    ]
    page = LibraryPage(items=items, total=listing.total, page=listing.page, pages=listing.pages)
    return LibraryView(page, found.query, [choice_of(gallery) for gallery in found.galleries])


def read_library_page(page: int, store_id: int, filters: LibraryQuery | None = None) -> LibraryPage:
    """Page ``page`` of the store's images (as ``filters`` name them, by default all active)."""
    query = (filters or LibraryQuery()).model_copy(update={"page": page})
    return read_library(store_id, query).page


class LibraryState(RenditionWatcher, rx.State):
    """The library grid and its filters: thin, the library service does the reading."""

    watch_preset: ClassVar[str] = THUMBNAIL_PRESET
    items: list[LibraryItem] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    galleries: list[GalleryChoice] = []
    # The controls; the URL holds what is applied.
    filter_text: str = ""
    filter_tag: str = ""
    filter_gallery: str = ANY_GALLERY
    filter_status: str = "active"
    sort: str = "newest"  # "taken": by date taken
    filtered: bool = False  # whether the URL applies any filter
    previous_url: str = ""
    next_url: str = ""
    # Checked images (on any page); the bulk actions get them, the service scopes them.
    selected: list[int] = []
    _owner: int = 0  # whose selection it is: another login in this tab starts afresh

    @rx.var
    def total_label(self) -> str:
        return count_label(self.total)

    @rx.var
    def count_line(self) -> str:
        """The count badge: "3 images", or "1 image matches" under filters (as the no-JS page)."""
        return matching_label(self.total, self.filtered)

    @rx.var
    def page_selected(self) -> bool:
        """Every image of this page is checked (the "select all on this page" box)."""
        return bool(self.items) and {item.id for item in self.items} <= set(self.selected)

    @rx.var
    def selected_label(self) -> str:
        return f"{count_label(len(self.selected))} selected"

    @rx.event
    async def load_page(self) -> Any:
        """Load what the URL names when the library opens (and after every change)."""
        user = await current_user(self)
        if user is None:
            return to_login(self)
        query = self.router.url.query_parameters
        if self._owner != user.id:
            self.selected, self._owner = [], user.id
        filters = LibraryQuery.from_params(query)
        view = await asyncio.to_thread(read_library, user.store_id, filters)
        result, filters, self.galleries = view.page, view.filters, view.galleries
        self.items, self.total = result.items, result.total
        self.page, self.pages = result.page, result.pages
        self._show_filters(filters)
        self.filtered = filters.filtered
        self.previous_url = urls.library(filters.params(page=result.page - 1))
        self.next_url = urls.library(filters.params(page=result.page + 1))
        self.loaded = True
        return self._watch_if_waiting()

    def _pictures(self) -> list[PictureView]:
        return [item.picture for item in self.items]

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        self.items = [
            dataclasses.replace(item, picture=swapped(item.picture, ready)) for item in self.items
        ]

    # -- selection ----------------------------------------------------------------------

    @rx.event
    def toggle(self, image_id: int, checked: bool) -> None:
        others = [chosen for chosen in self.selected if chosen != image_id]
        self.selected = [*others, image_id] if checked else others

    @rx.event
    def select_page(self, checked: bool) -> None:
        """Check (or uncheck) every image shown on this page; others stay as they are."""
        shown = [item.id for item in self.items]
        others = [chosen for chosen in self.selected if chosen not in set(shown)]
        self.selected = [*others, *shown] if checked else others

    @rx.event
    def clear_selection(self) -> None:
        self.selected = []

    @rx.event
    async def after_bulk(self, gone: list[int]) -> Any:
        """A bulk action finished: forget images that are gone, show the page as it is now."""
        self.selected = [chosen for chosen in self.selected if chosen not in set(gone)]
        return LibraryState.load_page

    # -- filters --------------------------------------------------------------------------

    @rx.event
    def set_filter_text(self, value: str) -> None:
        self.filter_text = value[:TEXT_MAX]

    @rx.event
    def set_filter_tag(self, value: str) -> None:
        self.filter_tag = value[:TAG_MAX]

    @rx.event
    def choose_gallery(self, value: str) -> Any:
        self.filter_gallery = value
        return self._show_chosen()

    @rx.event
    def choose_status(self, value: str) -> Any:
        self.filter_status = value
        return self._show_chosen()

    @rx.event
    def choose_sort(self, value: str) -> Any:
        self.sort = value
        return self._show_chosen()

    @rx.event
    def apply_filters(self) -> Any:
        return self._show_chosen()

    @rx.event
    def clear_filters(self) -> Any:
        self._show_filters(LibraryQuery())
        return rx.redirect(urls.LIBRARY)

    def _show_chosen(self) -> Any:
        """Go to the first page of what the controls say (on_load then reads it)."""
        return rx.redirect(urls.library(self._filters().params()))

    def _filters(self) -> LibraryQuery:
        return LibraryQuery.from_params(
            {
                "q": self.filter_text,
                "tag": self.filter_tag,
                "gallery": self.filter_gallery,
                "status": self.filter_status,
                "sort": self.sort,
            }
        )

    def _show_filters(self, filters: LibraryQuery) -> None:
        self.filter_text, self.filter_tag = filters.text, filters.tag
        self.filter_gallery = str(filters.gallery_id or ANY_GALLERY)
        self.filter_status = filters.status
        self.sort = filters.sort
