"""State of one gallery's page (`/galleries/<id>`): its images in order, reordered by drag and
drop or by the move buttons, one of them the cover, any of them taken out.

Moves are relative (a step, or next to another image) and resolved against the stored order
by the service, so a page a little out of date still does what the person saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import reflex as rx

from imageapp.services.factory import build_gallery_service
from imageapp.services.ids import is_id, parse_id
from imageapp.services.usecases import galleries as actions
from imageapp.services.usecases.library import THUMBNAIL_PRESET
from imageapp.state import gallery_jobs as jobs
from imageapp.state.gallery_jobs import GalleryView
from imageapp.state.identity import LOGGED_OUT_MESSAGE, current_user, to_login
from imageapp.state.pictures import PictureView
from imageapp.state.rendition_watch import RenditionWatcher, swapped

GALLERY_PATH = re.compile(r"/galleries/([^/]+)/?$")
# A gallery use case, its image (and choices) already given.
Change = Callable[..., actions.GalleryResult]


def gallery_id_in(path: str) -> int | None:
    """The id the page's address names; None if it names none a row could have."""
    found = GALLERY_PATH.search(path)
    return parse_id(found[1]) if found else None


def focus_soon(*element_ids: str) -> Any:
    """Keep the keyboard where it was: once the list has re-rendered, focus the first of these
    buttons that exists and is enabled (the one pressed may be disabled at either end)."""
    return rx.call_script(
        f"setTimeout(() => {{ for (const id of {json.dumps(list(element_ids))}) {{"
        " const el = document.getElementById(id);"
        " if (el && !el.disabled) { el.focus(); break; } } }, 60)"
    )


class GalleryState(RenditionWatcher, rx.State):
    watch_preset: ClassVar[str] = THUMBNAIL_PRESET
    gallery: GalleryView = GalleryView()
    found: bool = False
    loaded: bool = False
    message: str = ""  # read out by screen readers: what the last action did

    @rx.event
    async def load_gallery(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        gallery_id = gallery_id_in(self.router.url.path)
        if gallery_id != self.gallery.id:
            self.loaded, self.message = False, ""  # never show another gallery under this URL
        page = parse_id(self.router.url.query_parameters.get("page")) or 1
        view = (
            await asyncio.to_thread(jobs.read_gallery, user.store_id, gallery_id, page)
            if gallery_id is not None
            else None
        )
        self.gallery, self.found, self.loaded = view or GalleryView(), view is not None, True
        return self._watch_if_waiting()

    def _pictures(self) -> list[PictureView]:
        return [entry.picture for entry in self.gallery.images]

    def _swap_pictures(self, ready: Mapping[int, PictureView]) -> None:
        images = [
            dataclasses.replace(entry, picture=swapped(entry.picture, ready))
            for entry in self.gallery.images
        ]
        self.gallery = dataclasses.replace(self.gallery, images=images)

    @rx.event
    async def move(self, image_id: int, steps: int) -> Any:
        """The move buttons: one place up (-1) or down (1); the focus stays on the button."""
        change = functools.partial(actions.move_by_steps, image_id=image_id, steps=steps)
        if not await self._apply(change, image_id):
            return None
        here, other = ("up", "down") if steps < 0 else ("down", "up")
        return focus_soon(f"move-{here}-{image_id}", f"move-{other}-{image_id}")

    @rx.event
    async def drop(self, dropped: dict[str, Any]) -> None:
        """Drag and drop: ``{"image_id", "target_id", "after"}`` from assets/gallery_sort.js."""
        image_id, target_id = dropped.get("image_id"), dropped.get("target_id")
        if not is_id(image_id) or not is_id(target_id):
            return
        after = dropped.get("after") is True
        change = functools.partial(
            actions.drop_next_to, image_id=image_id, target_id=target_id, after=after
        )
        await self._apply(change, image_id)

    @rx.event
    async def make_cover(self, image_id: int) -> Any:
        if await self._apply(functools.partial(actions.make_cover, image_id=image_id), image_id):
            return focus_soon(f"remove-{image_id}")
        return None

    @rx.event
    async def remove(self, image_id: int) -> None:
        await self._apply(functools.partial(actions.take_out, image_id=image_id), image_id)

    async def _apply(self, change: Change, image_id: int) -> bool:
        """Run one use case in the logged-in user's store, then show the stored order again.
        An id no row can have (only a crafted event sends one) changes nothing."""
        if not is_id(image_id):
            return False
        user = await current_user(self)
        if user is None:
            self.message = LOGGED_OUT_MESSAGE
            return False
        gallery_id, page = self.gallery.id, self.gallery.page
        outcome = await asyncio.to_thread(
            change, build_gallery_service(), store_id=user.store_id, gallery_id=gallery_id
        )
        view = await asyncio.to_thread(jobs.read_gallery, user.store_id, gallery_id, page)
        self.gallery, self.found = view or GalleryView(), view is not None
        if outcome.message:  # nothing to do (already first): the last message stays
            self.message = outcome.message
        return isinstance(outcome, actions.Done)
