"""The library's bulk actions: delete (after a question naming what it affects), active or
inactive, add to or take out of a gallery, add tags; a sentence says what each one did.

The selection lives in LibraryState (it belongs to the grid); the page hands it to these
handlers. Ids from the browser are never trusted: the bulk service keeps only the logged-in
store's own images and reports the rest.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import reflex as rx

from imageapp.services.errors import ImageAppError
from imageapp.services.ids import is_id, parse_id
from imageapp.state import bulk_jobs as jobs
from imageapp.state.bulk_jobs import Outcome
from imageapp.state.identity import current_user, to_login
from imageapp.state.library import LibraryState

NOTHING_SELECTED = "Select one or more images first."
# A bulk job for (store id, image ids).
Job = Callable[[int, list[int]], Outcome]


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

    @rx.event
    def load_page(self) -> None:
        """A new page of the library: the last sentence and question no longer apply."""
        self.message, self.delete_open = "", False

    @rx.event
    def set_target_gallery(self, value: str) -> None:
        self.target_gallery = str(parse_id(value) or "")

    @rx.event
    def set_tags(self, value: str) -> None:
        self.tags = value[:2000]

    @rx.event
    async def set_active(self, selected: list[Any]) -> Any:
        return await self._run(selected, functools.partial(_status, status="active"))

    @rx.event
    async def set_inactive(self, selected: list[Any]) -> Any:
        return await self._run(selected, functools.partial(_status, status="inactive"))

    @rx.event
    async def add_tags(self, selected: list[Any]) -> Any:
        tags = self.tags
        return await self._run(selected, lambda store, ids: jobs.add_tags(store, ids, tags))

    @rx.event
    async def add_to_gallery(self, selected: list[Any]) -> Any:
        return await self._to_gallery(selected, jobs.add_to_gallery)

    @rx.event
    async def remove_from_gallery(self, selected: list[Any]) -> Any:
        return await self._to_gallery(selected, jobs.remove_from_gallery)

    # -- delete: a question first -------------------------------------------------------

    @rx.event
    async def ask_delete(self, selected: list[Any]) -> Any:
        user, ids = await current_user(self), image_ids(selected)
        if user is None:
            return to_login(self)
        if not ids:
            return self._say(Outcome(NOTHING_SELECTED, ok=False))
        count, self.delete_question = await asyncio.to_thread(
            jobs.delete_question, user.store_id, ids
        )
        if count == 0:
            return self._say(
                Outcome("None of these images is in your library.", ok=False, gone=tuple(ids))
            )
        self._delete_ids, self.delete_open = ids, True
        return None

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        self.delete_open = is_open

    @rx.event
    async def confirm_delete(self) -> Any:
        ids, self._delete_ids, self.delete_open = self._delete_ids, [], False
        return await self._run(ids, jobs.delete)

    # -- helpers ----------------------------------------------------------------------------

    async def _to_gallery(
        self, selected: list[Any], job: Callable[[int, list[int], int], Outcome]
    ) -> Any:
        gallery_id = parse_id(self.target_gallery)
        if gallery_id is None:
            return self._say(Outcome("Choose a gallery first.", ok=False))
        return await self._run(selected, lambda store, ids: job(store, ids, gallery_id))

    async def _run(self, selected: list[Any], job: Job) -> Any:
        """One action on the selection in the logged-in user's store, then the page anew."""
        user, ids = await current_user(self), image_ids(selected)
        if user is None:
            return to_login(self)
        if not ids:
            return self._say(Outcome(NOTHING_SELECTED, ok=False))
        try:
            outcome = await asyncio.to_thread(job, user.store_id, ids)
        except ImageAppError as refused:
            outcome = jobs.refused(refused)
        return self._say(outcome)

    def _say(self, outcome: Outcome) -> Any:
        self.message, self.message_ok = outcome.message, outcome.ok
        return LibraryState.after_bulk(list(outcome.gone))  # type: ignore[operator]


def _status(store_id: int, ids: list[int], *, status: str) -> Outcome:
    return jobs.set_status(store_id, ids, status)
