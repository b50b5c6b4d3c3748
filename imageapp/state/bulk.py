"""The library's bulk actions: delete, i.e. move to the trash (after a question naming what
it affects, and with an "Undo" after it), active or inactive, add to or take out of a
gallery, add tags; a sentence says what each one did.

The selection lives in LibraryState (it belongs to the grid); the page hands it to these
handlers, which call the bulk use cases the no-JS form calls too (services.usecases.bulk). Ids
from the browser are never trusted: the bulk service keeps only the logged-in store's own
images and the use case reports the rest.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from imageapp.services.ids import is_id, parse_id
from imageapp.services.usecases.bulk import NOTHING_SELECTED, BulkOutcome
from imageapp.state import bulk_jobs as jobs
from imageapp.state.identity import current_user, to_login
from imageapp.state.library import LibraryState

__all__ = ["NOTHING_SELECTED", "BulkState"]


def image_ids(values: list[Any]) -> list[int]:
    """The ids the page sent, as ints (anything else dropped)."""
    return list(dict.fromkeys(v for v in values if is_id(v)))


class BulkState(rx.State):
    message: str = ""  # what the last action did
    message_ok: bool = True
    target_gallery: str = ""
    tags: str = ""
    delete_open: bool = False
    delete_question: str = ""
    _delete_ids: list[int] = []  # exactly the images the question named
    undo_count: int = 0  # images the last delete moved to the trash: the summary's "Undo"
    _undo_ids: list[int] = []

    @rx.event
    def load_page(self) -> None:
        """A new page of the library: the last sentence, question and undo no longer apply."""
        self.message, self.delete_open = "", False
        self._undo_ids, self.undo_count = [], 0

    @rx.event
    def set_target_gallery(self, value: str) -> None:
        self.target_gallery = str(parse_id(value) or "")

    @rx.event
    def set_tags(self, value: str) -> None:
        self.tags = value[:2000]

    @rx.event
    async def set_active(self, selected: list[Any]) -> Any:
        return await self._run(selected, "set_active")

    @rx.event
    async def set_inactive(self, selected: list[Any]) -> Any:
        return await self._run(selected, "set_inactive")

    @rx.event
    async def add_tags(self, selected: list[Any]) -> Any:
        return await self._run(selected, "add_tags")

    @rx.event
    async def add_to_gallery(self, selected: list[Any]) -> Any:
        return await self._run(selected, "add_to_gallery")

    @rx.event
    async def remove_from_gallery(self, selected: list[Any]) -> Any:
        return await self._run(selected, "remove_from_gallery")

    # -- delete: a question first -------------------------------------------------------

    @rx.event
    async def ask_delete(self, selected: list[Any]) -> Any:
        user, ids = await current_user(self), image_ids(selected)
        if user is None:
            return to_login(self)
        asked = await asyncio.to_thread(jobs.delete_question, user.store_id, ids)
        if isinstance(asked, BulkOutcome):
            return self._say(asked)
        self.delete_question = asked.question
        self._delete_ids, self.delete_open = asked.image_ids, True
        return None

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        self.delete_open = is_open

    @rx.event
    async def confirm_delete(self) -> Any:
        ids, self._delete_ids, self.delete_open = self._delete_ids, [], False
        user = await current_user(self)
        if user is None:
            return to_login(self)
        outcome = await asyncio.to_thread(jobs.delete, user.store_id, user.id, ids)
        said = self._say(outcome)
        self._undo_ids, self.undo_count = list(outcome.trashed), len(outcome.trashed)
        return said

    @rx.event
    async def undo_delete(self) -> Any:
        """Restore exactly what the last delete moved to the trash."""
        ids = self._undo_ids
        user = await current_user(self)
        if user is None:
            return to_login(self)
        if not ids:
            return None
        return self._say(await asyncio.to_thread(jobs.undo_delete, user.store_id, ids))

    # -- helpers ----------------------------------------------------------------------------

    async def _run(self, selected: list[Any], action: str) -> Any:
        """One action on the selection in the logged-in user's store, then the page anew."""
        user, ids = await current_user(self), image_ids(selected)
        if user is None:
            return to_login(self)
        gallery, tags = self.target_gallery, self.tags
        outcome = await asyncio.to_thread(jobs.run, action, user.store_id, ids, gallery, tags)
        return self._say(outcome)

    def _say(self, outcome: BulkOutcome) -> Any:
        self.message, self.message_ok = outcome.message, outcome.ok
        self._undo_ids, self.undo_count = [], 0
        return LibraryState.after_bulk(list(outcome.gone))  # type: ignore[operator]
