"""State of the library page: one page of the store's images, filtered, read off the event loop.

The URL is the source of truth for what is shown (``?q=&tag=&gallery=&status=&page=``): the
filter controls navigate to a new URL and the page's on_load reads it, so back, reload and
shared links all show the same images.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp.config import get_settings
from imageapp.db import get_engine, session_scope
from imageapp.pages import routes
from imageapp.services.ids import parse_id
from imageapp.services.library import LibraryFilter, list_images
from imageapp.state.gallery_jobs import GalleryChoice, count_label, gallery_choices
from imageapp.state.identity import current_user, to_login
from imageapp.state.pictures import PictureView, active_pictures
from imageapp.state.rendition_watch import RenditionWatcher, swapped

THUMBNAIL_PRESET = "thumb"
STATUSES = ("active", "inactive", "all")
ANY_GALLERY = "any"  # select items cannot have an empty value
FILTER_TEXT_MAX = 200


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
class Filters:
    """The library's filters as the URL and the controls hold them (all text)."""

    text: str = ""
    tag: str = ""
    gallery: str = ANY_GALLERY
    status: str = "active"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Whatever the URL says, made safe: unknown values fall back to the defaults."""
        gallery = query.get("gallery", "")
        status = query.get("status", "active")
        return cls(
            text=query.get("q", "").strip()[:FILTER_TEXT_MAX],
            tag=query.get("tag", "").strip()[:FILTER_TEXT_MAX],
            gallery=str(parse_id(gallery) or ANY_GALLERY),
            status=status if status in STATUSES else "active",
        )

    def query(self, page: int = 1) -> dict[str, str | int]:
        """The URL query naming these filters (defaults left out)."""
        return {
            "q": self.text.strip(),
            "tag": self.tag.strip(),
            "gallery": "" if self.gallery == ANY_GALLERY else self.gallery,
            "status": "" if self.status == "active" else self.status,
            "page": "" if page <= 1 else page,
        }

    def for_service(self) -> LibraryFilter:
        return LibraryFilter(
            status=self.status,
            gallery_id=None if self.gallery == ANY_GALLERY else int(self.gallery),
            tag=self.tag,
            text=self.text,
        )


def read_library_page(page: int, store_id: int, filters: Filters | None = None) -> LibraryPage:
    """One page of the store's images with thumbnails; blocking, so callers use a thread."""
    with session_scope() as session:
        result = list_images(
            session,
            store_id=store_id,
            filters=(filters or Filters()).for_service(),
            page=page,
            page_size=get_settings().page_size,
        )
    pictures = active_pictures(get_engine(), result.items, THUMBNAIL_PRESET)
    items = [
        LibraryItem(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            url=routes.image(image.id),
            picture=pictures.get(image.id, PictureView()),
            active=image.id in pictures,
        )
        for image in result.items
    ]
    return LibraryPage(items=items, total=result.total, page=result.page, pages=result.pages)


@dataclasses.dataclass(frozen=True)
class LibraryView:
    """A page of the library, the filters it applied and the galleries to choose from."""

    page: LibraryPage
    filters: Filters
    galleries: list[GalleryChoice]


def read_library(page: int, store_id: int, filters: Filters) -> LibraryView:
    choices = gallery_choices(store_id)
    if filters.gallery not in {choice.value for choice in choices}:
        filters = dataclasses.replace(filters, gallery=ANY_GALLERY)  # not (or no longer) ours
    return LibraryView(read_library_page(page, store_id, filters), filters, choices)


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
        filters = Filters.from_query(query)
        page = parse_id(query.get("page")) or 1
        view = await asyncio.to_thread(read_library, page, user.store_id, filters)
        result, filters, self.galleries = view.page, view.filters, view.galleries
        self.items, self.total = result.items, result.total
        self.page, self.pages = result.page, result.pages
        self._show_filters(filters)
        self.filtered = filters != Filters()
        self.previous_url = routes.library(filters.query(result.page - 1))
        self.next_url = routes.library(filters.query(result.page + 1))
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
        self.filter_text = value[:FILTER_TEXT_MAX]

    @rx.event
    def set_filter_tag(self, value: str) -> None:
        self.filter_tag = value[:FILTER_TEXT_MAX]

    @rx.event
    def choose_gallery(self, value: str) -> Any:
        self.filter_gallery = value
        return self._show_chosen()

    @rx.event
    def choose_status(self, value: str) -> Any:
        self.filter_status = value
        return self._show_chosen()

    @rx.event
    def apply_filters(self) -> Any:
        return self._show_chosen()

    @rx.event
    def clear_filters(self) -> Any:
        self._show_filters(Filters())
        return rx.redirect(routes.LIBRARY)

    def _show_chosen(self) -> Any:
        """Go to the first page of what the controls say (on_load then reads it)."""
        return rx.redirect(routes.library(self._filters().query()))

    def _filters(self) -> Filters:
        return Filters.from_query(
            {
                "q": self.filter_text,
                "tag": self.filter_tag,
                "gallery": self.filter_gallery,
                "status": self.filter_status,
            }
        )

    def _show_filters(self, filters: Filters) -> None:
        self.filter_text, self.filter_tag = filters.text, filters.tag
        self.filter_gallery, self.filter_status = filters.gallery, filters.status
