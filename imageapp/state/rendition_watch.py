"""Swapping web copies into a Reflex page once the worker has made them, without a reload.

Step 2 answers as soon as an image is active; its renditions come from a background job a
moment later. Until then the pages show the original (``PictureView.waiting``); after an
edit they show the former renditions until the re-made set replaces them (``waiting`` and
``remaking``). A page state
that is a ``RenditionWatcher`` and shows waiting pictures starts one background event that
asks the database, every second or so, for the renditions of just those images and puts the
ready ones in. It works with any number of web workers (the database is the only thing asked;
Reflex sends the change to the tab through its state manager) and stops when nothing is
waiting, when the user has logged out, or after ``WATCH_FOR_SECONDS`` (a job that keeps
failing must not keep a page polling).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp.db import get_engine
from imageapp.services.thumbnails import list_pictures
from imageapp.state.identity import current_user
from imageapp.state.pictures import PictureView

WATCH_EVERY_SECONDS = 1.0
WATCH_FOR_SECONDS = 180.0


def waiting_ids(pictures: Iterable[PictureView]) -> set[int]:
    return {picture.image_id for picture in pictures if picture.waiting and picture.image_id}


def ready_pictures(store_id: int, image_ids: set[int], preset: str) -> dict[int, PictureView]:
    """The pictures among ``image_ids`` (the store's, still active) whose web copies exist now;
    blocking (two queries), so run in a thread."""
    found = list_pictures(get_engine(), store_id=store_id, image_ids=image_ids, preset=preset)
    views = {image_id: PictureView.of(picture, image_id) for image_id, picture in found.items()}
    return {image_id: view for image_id, view in views.items() if not view.waiting}


class RenditionWatcher(rx.State, mixin=True):
    """A page state whose pictures may still be waiting for their web copies. It says which
    pictures it shows and how to put ready ones in; the mixin does the watching."""

    watch_preset: ClassVar[str] = "thumb"
    _watch_until: float = 0.0  # when the running watch ends (0: none runs)

    def _pictures(self) -> list[PictureView]:
        raise NotImplementedError

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        raise NotImplementedError

    def _watch_if_waiting(self) -> Any:
        """The event that starts the watch, if some picture shown is waiting."""
        return type(self).watch_renditions if waiting_ids(self._pictures()) else None

    @rx.event(background=True)
    async def watch_renditions(self) -> None:
        """Ask for the waiting pictures' renditions until all are in; one watch per page."""
        async with self:
            if self._watch_until > time.monotonic():
                return  # one runs already; it reads what the page shows each time
            deadline = self._watch_until = time.monotonic() + WATCH_FOR_SECONDS
        try:
            while time.monotonic() < deadline:
                async with self:
                    waiting = waiting_ids(self._pictures())
                if not waiting:
                    return
                await asyncio.sleep(WATCH_EVERY_SECONDS)
                user = await current_user(self)
                if user is None:
                    return
                ready = await asyncio.to_thread(
                    ready_pictures, user.store_id, waiting, self.watch_preset
                )
                if ready:
                    async with self:
                        self._swap_pictures(ready)
        finally:
            async with self:
                self._watch_until = 0.0


def swapped(picture: PictureView, ready: Mapping[int, PictureView]) -> PictureView:
    """``picture``, or its ready version."""
    return ready.get(picture.image_id, picture) if picture.waiting else picture
