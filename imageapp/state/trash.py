"""State of the trash page (`/trash`): the trashed images, restore (one, selected, all) and
delete forever after a question. Thin: the trash use cases (the no-JS page's too) do the work
and word the result, in a thread; the store always comes from identity.current_user.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.config import get_settings
from imageapp.services.factory import build_trash_service
from imageapp.services.ids import is_id
from imageapp.services.usecases import trash as actions
from imageapp.services.usecases.bulk import BulkOutcome
from imageapp.services.validation import format_bytes
from imageapp.state.identity import current_user, to_login


@dataclasses.dataclass(frozen=True)
class TrashItem:
    """One row of the trash as the browser holds it."""

    id: int
    title: str
    alt_text: str
    thumbnail: str
    width: int
    height: int
    deleted: str  # "Deleted 2026-12-01 16:05 UTC by ann@example.com · 1.2 MB"


@dataclasses.dataclass(frozen=True)
class TrashView:
    items: list[TrashItem]
    total: int
    page: int
    pages: int
    keeps: str
    quota: str
    summary: str
    newest: str  # ISO moment "Empty the trash" is limited to ("" when empty)


def read_trash(store_id: int, page: int) -> TrashView:
    """The trash's page ``page`` as the browser shows it; blocking, run it in a thread."""
    settings = get_settings()
    view = actions.browse_trash(
        build_trash_service(),
        store_id=store_id,
        page=page,
        page_size=settings.page_size,
        trash_days=settings.trash_days,
    )
    listing = view.listing
    items = [
        TrashItem(
            id=image.id,
            title=image.title or "Untitled",
            alt_text=image.alt_text,
            thumbnail=urls.trash_thumbnail(image.id),
            width=image.width,
            height=image.height,
            deleted=(
                f"Deleted {image.trashed_at:%Y-%m-%d %H:%M} UTC by "
                f"{image.trashed_by or 'a former member'} · {format_bytes(image.size_bytes)}"
            ),
        )
        for image in listing.items
    ]
    summary = f"{listing.total} in the trash ({format_bytes(listing.total_bytes)})"
    newest = listing.newest.isoformat() if listing.newest else ""
    return TrashView(
        items, listing.total, listing.page, listing.pages, view.keeps, view.quota, summary, newest
    )


def restore(store_id: int, ids: list[int], everything: bool) -> BulkOutcome:
    return actions.restore_images(
        build_trash_service(), store_id=store_id, raw_ids=ids, everything=everything
    )


def ask(store_id: int, ids: list[int], everything: bool) -> actions.ForeverQuestion | BulkOutcome:
    return actions.ask_delete_forever(
        build_trash_service(), store_id=store_id, raw_ids=ids, everything=everything
    )


def delete(store_id: int, ids: list[int], everything: bool, until: str) -> BulkOutcome:
    moment = datetime.fromisoformat(until) if until else None
    return actions.delete_forever(
        build_trash_service(), store_id=store_id, raw_ids=ids, everything=everything, until=moment
    )


class TrashState(rx.State):
    items: list[TrashItem] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    keeps: str = ""
    quota: str = ""
    summary: str = ""
    selected: list[int] = []
    message: str = ""
    message_ok: bool = True
    confirm_open: bool = False
    confirm_question: str = ""
    _confirm_ids: list[int] = []
    _confirm_all: bool = False
    _until: str = ""
    _newest: str = ""

    @rx.var
    def selected_label(self) -> str:
        return f"{len(self.selected)} selected"

    @rx.event
    async def load_page(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        wanted = self.router.url.query_parameters.get("page", "1")
        page = int(wanted) if str(wanted).isdigit() else 1
        self.message, self.confirm_open = "", False
        return await self._read(user.store_id, page)

    async def _read(self, store_id: int, page: int) -> None:
        view = await asyncio.to_thread(read_trash, store_id, page)
        self.items, self.total, self.page, self.pages = (
            view.items,
            view.total,
            view.page,
            view.pages,
        )
        self.keeps, self.quota, self.summary, self._newest = (
            view.keeps,
            view.quota,
            view.summary,
            view.newest,
        )
        shown = {item.id for item in view.items}
        self.selected = [chosen for chosen in self.selected if chosen in shown]
        self.loaded = True

    @rx.event
    def toggle(self, image_id: int, checked: bool) -> None:
        others = [chosen for chosen in self.selected if chosen != image_id]
        self.selected = [*others, image_id] if checked else others

    @rx.event
    def clear_selection(self) -> None:
        self.selected = []

    # -- restore ---------------------------------------------------------------------------

    @rx.event
    async def restore_one(self, image_id: int) -> Any:
        return await self._restore([image_id] if is_id(image_id) else [], everything=False)

    @rx.event
    async def restore_selected(self) -> Any:
        return await self._restore(list(self.selected), everything=False)

    @rx.event
    async def restore_all(self) -> Any:
        return await self._restore([], everything=True)

    async def _restore(self, ids: list[int], *, everything: bool) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        outcome = await asyncio.to_thread(restore, user.store_id, ids, everything)
        return await self._said(user.store_id, outcome)

    # -- delete forever: a question first ----------------------------------------------------

    @rx.event
    async def ask_delete_one(self, image_id: int) -> Any:
        return await self._ask([image_id] if is_id(image_id) else [], everything=False)

    @rx.event
    async def ask_delete_selected(self) -> Any:
        return await self._ask(list(self.selected), everything=False)

    @rx.event
    async def ask_empty(self) -> Any:
        return await self._ask([], everything=True)

    async def _ask(self, ids: list[int], *, everything: bool) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        asked = await asyncio.to_thread(ask, user.store_id, ids, everything)
        if isinstance(asked, BulkOutcome):
            return await self._said(user.store_id, asked)
        self.confirm_question = asked.question
        self._confirm_ids, self._confirm_all = asked.image_ids, asked.everything
        self._until = asked.until.isoformat() if asked.until else ""
        self.confirm_open = True
        return None

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        self.confirm_open = is_open

    @rx.event
    async def confirm_delete(self) -> Any:
        ids, everything, until = self._confirm_ids, self._confirm_all, self._until
        self._confirm_ids, self._confirm_all, self._until = [], False, ""
        self.confirm_open = False
        user = await current_user(self)
        if user is None:
            return to_login(self)
        if not ids and not everything:
            return None
        outcome = await asyncio.to_thread(delete, user.store_id, ids, everything, until)
        return await self._said(user.store_id, outcome)

    async def _said(self, store_id: int, outcome: BulkOutcome) -> None:
        self.message, self.message_ok = outcome.message, outcome.ok
        gone = set(outcome.gone)
        self.selected = [chosen for chosen in self.selected if chosen not in gone]
        await self._read(store_id, self.page)
