"""State of the galleries page (`/galleries`): list, create, edit, delete (after a question).

Thin: the gallery use cases do the work and word the result, in a thread; every handler asks
identity.current_user for the store, so an id from the browser can only ever name one of that
store's galleries.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp.services.factory import build_gallery_service
from imageapp.services.usecases import galleries as actions
from imageapp.services.usecases.library import THUMBNAIL_PRESET
from imageapp.state import gallery_jobs as jobs
from imageapp.state.gallery_jobs import GalleryCard
from imageapp.state.identity import current_user, to_login
from imageapp.state.pictures import PictureView
from imageapp.state.rendition_watch import RenditionWatcher, swapped


class GalleriesState(RenditionWatcher, rx.State):
    watch_preset: ClassVar[str] = THUMBNAIL_PRESET
    cards: list[GalleryCard] = []
    loaded: bool = False
    message: str = ""  # what the last action did (a status line)
    # Creating a gallery.
    new_title: str = ""
    new_description: str = ""
    create_errors: dict[str, str] = {}
    # Editing one (a dialog).
    edit_open: bool = False
    edit_id: int = 0
    edit_title: str = ""
    edit_description: str = ""
    edit_errors: dict[str, str] = {}
    # Deleting one (a question first).
    delete_open: bool = False
    delete_id: int = 0
    delete_question: str = ""

    @rx.event
    async def load_page(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        self.cards = await asyncio.to_thread(jobs.gallery_cards, user.store_id)
        self.loaded = True
        return self._watch_if_waiting()

    def _pictures(self) -> list[PictureView]:
        return [card.cover for card in self.cards]

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        self.cards = [
            dataclasses.replace(card, cover=swapped(card.cover, ready)) for card in self.cards
        ]

    @rx.event
    def set_new_title(self, value: str) -> None:
        self.new_title = value[:1000]

    @rx.event
    def set_new_description(self, value: str) -> None:
        self.new_description = value[:10_000]

    @rx.event
    async def create(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        fields = {"title": self.new_title, "description": self.new_description}
        create = functools.partial(
            actions.create_gallery,
            build_gallery_service(),
            store_id=user.store_id,
            raw_fields=fields,
        )
        outcome = await asyncio.to_thread(create)
        if isinstance(outcome, actions.Refused):
            self.create_errors = outcome.errors
            return None
        self.message = outcome.message
        self.new_title = self.new_description = ""
        self.create_errors = {}
        return GalleriesState.load_page

    # -- editing --------------------------------------------------------------------------

    @rx.event
    def open_edit(self, gallery_id: int) -> None:
        card = self._find(gallery_id)
        if card is not None:
            self.edit_id, self.edit_title = card.id, card.title
            self.edit_description, self.edit_errors = card.description, {}
            self.edit_open = True

    @rx.event
    def set_edit_open(self, is_open: bool) -> None:
        self.edit_open = is_open

    @rx.event
    def set_edit_title(self, value: str) -> None:
        self.edit_title = value[:1000]

    @rx.event
    def set_edit_description(self, value: str) -> None:
        self.edit_description = value[:10_000]

    @rx.event
    async def save_edit(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        fields = {"title": self.edit_title, "description": self.edit_description}
        rename = functools.partial(
            actions.rename_gallery,
            build_gallery_service(),
            store_id=user.store_id,
            gallery_id=self.edit_id,
            raw_fields=fields,
        )
        outcome = await asyncio.to_thread(rename)
        if isinstance(outcome, actions.Refused):
            self.edit_errors = outcome.errors
            return None
        self.message = outcome.message
        self.edit_open = False
        return GalleriesState.load_page

    # -- deleting -------------------------------------------------------------------------

    @rx.event
    def ask_delete(self, gallery_id: int) -> None:
        card = self._find(gallery_id)
        if card is not None:
            self.delete_id, self.delete_question = card.id, card.delete_question
            self.delete_open = True

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        self.delete_open = is_open

    @rx.event
    async def confirm_delete(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        delete = functools.partial(
            actions.delete_gallery,
            build_gallery_service(),
            store_id=user.store_id,
            gallery_id=self.delete_id,
        )
        self.message = (await asyncio.to_thread(delete)).message
        self.delete_open = False
        return GalleriesState.load_page

    def _find(self, gallery_id: int) -> GalleryCard | None:
        return next((card for card in self.cards if card.id == gallery_id), None)
