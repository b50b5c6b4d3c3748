"""State of the upload page: many files at once, each its own step 1, then batch step 2.

Thin on purpose: the rules for cards live in upload_cards, blocking service calls in
upload_jobs (run in threads); the files themselves go to the tus server (/tus/) from the
browser, which reports each upload's progress and outcome here. Every handler that touches an upload
asks identity.current_user who is logged in, so the no-JS pages and this one agree on owners.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from imageapp.config import get_settings
from imageapp.services.accounts import CurrentUser
from imageapp.services.validation import format_bytes
from imageapp.state import announcements as say
from imageapp.state import upload_cards as cards_
from imageapp.state import upload_jobs as jobs
from imageapp.state.gallery_jobs import GalleryChoice, gallery_choices
from imageapp.state.identity import LOGGED_OUT_MESSAGE, current_user, to_login
from imageapp.state.upload_cards import READY, REFUSED, SAVING, ImageLink, UploadCard

log = logging.getLogger(__name__)
LOST_MESSAGE = (
    "This upload stopped when the page was reloaded. "
    "Choose the same file again to continue where it stopped."
)
UPLOAD_NOT_FOUND = "The upload could not be found any more. Please choose the file again."
SAVE_INTERRUPTED = "Saving was interrupted. Press Complete to try again, or Cancel."


class UploadState(rx.State):
    """The cards of /upload and the batch fields above them."""

    cards: list[UploadCard] = []
    saved: list[ImageLink] = []  # images this page just added to the library
    batch_description: str = ""
    batch_tags: str = ""
    batch_gallery: str = cards_.NO_GALLERY
    galleries: list[GalleryChoice] = []  # the store's, for each card's "Add to gallery"
    notice: str = ""
    # The page's polite log: what a screen reader hears as uploads progress (announcements).
    announcements: list[str] = []
    limit_label: str = ""
    upload_chunk_bytes: int = 0  # bytes per tus PATCH (IMAGEAPP_UPLOAD_CHUNK_BYTES; 0: all)
    loaded: bool = False
    # Whose cards these are: a tab where someone else logs in must not show them.
    _owner: str = ""

    @rx.var
    def ready_count(self) -> int:
        return sum(card.status == READY for card in self.cards)

    @rx.var
    def busy_count(self) -> int:
        return sum(card.status in (*cards_.IN_FLIGHT, SAVING) for card in self.cards)

    # -- opening the page -----------------------------------------------------------------

    @rx.event
    async def load_page(self) -> Any:
        """Show the uploads this user left pending (reload, new tab, the no-JS page)."""
        user = await current_user(self)
        if user is None:
            return to_login(self)
        if self._owner != user.upload_owner:
            self.cards, self.saved, self.notice = [], [], ""
            self.batch_description = self.batch_tags = ""
            self._owner = user.upload_owner
        self.announcements = []  # a page seen afresh: nothing old to announce
        self.limit_label = f"up to {format_bytes(get_settings().max_upload_bytes)} each"
        self.upload_chunk_bytes = get_settings().upload_chunk_bytes
        pending = await asyncio.to_thread(jobs.pending_with_drafts, user)
        self.galleries = await asyncio.to_thread(gallery_choices, user.store_id)
        self.cards = cards_.merge_pending(self.cards, pending)
        self.loaded = True
        return None

    # -- step 1: files ---------------------------------------------------------------------

    @rx.event
    def files_chosen(self, chosen: list[dict[str, Any]]) -> None:
        """Dropped or picked files become queued cards; each card then starts its upload."""
        room = cards_.MAX_CARDS - len(self.cards)
        added = cards_.chosen_cards(chosen, room, get_settings().max_upload_bytes)
        self.notice = (
            f"Only {cards_.MAX_CARDS} images can wait here at once: complete some, then add more."
            if len(added) < len(chosen)
            else ""
        )
        self.saved = []
        self.cards = [*self.cards, *added]
        self._announce(*say.files_added(added), *([self.notice] if self.notice else []))

    # The browser's tus upload of each card reports here (assets/upload_queue.js). Reports
    # are untrusted JSON: upload_cards reads only numbers and text from them, and a finished
    # upload's token counts only once the service finds it pending for this very user.

    @rx.event
    def upload_progress(self, key: str, report: dict[str, Any]) -> None:
        self._change(key, lambda card: cards_.with_progress(card, _mapping(report)))

    @rx.event
    def upload_resuming(self, key: str, report: dict[str, Any]) -> None:
        """An earlier upload of the same file continues: "Resuming from 42 %"."""
        self._change(key, lambda card: cards_.resuming(card, _mapping(report)))
        card = self._find(key)
        if card is not None and card.resumed_from:
            self._announce(say.resuming(card.filename, card.resumed_from))

    @rx.event
    def upload_failed(self, key: str, report: dict[str, Any]) -> None:
        """The server refused the file, or could not be reached even after the retries."""
        report = _mapping(report)
        card = self._find(key)
        if card is None or card.status not in cards_.IN_FLIGHT:
            return
        message = cards_.failure_message(report)
        resumable = report.get("resumable") is True
        self._change(key, lambda card: cards_.refused(card, message, resumable=resumable))
        self._announce(say.refusal(card.filename, message))

    @rx.event
    def upload_lost(self, key: str, _report: dict[str, Any]) -> None:
        """The page was reloaded mid-upload: the file is gone from the browser's memory."""
        self._change(key, lambda card: _unless_shown(card, LOST_MESSAGE, resumable=True))

    @rx.event
    async def upload_finished(self, key: str, report: dict[str, Any]) -> Any:
        """Every byte is in and step 1 accepted it: the card shows its preview and form.

        The token comes from the browser, so it counts only if the service finds that
        pending upload for the logged-in user (someone else's or a made-up one: refused).
        """
        user = await current_user(self)
        if user is None:
            self._change(key, lambda card: _unless_shown(card, LOGGED_OUT_MESSAGE))
            return None
        token = cards_.reported_token(_mapping(report))
        pending = await asyncio.to_thread(jobs.pending_upload, user, token) if token else None
        if pending is None:
            self._change(key, lambda card: _unless_shown(card, UPLOAD_NOT_FOUND))
            return None
        card = self._find(key)
        if card is None:  # cancelled while the file was being checked
            await asyncio.to_thread(jobs.discard, user, pending.upload_token)
            return None
        if card.status not in cards_.IN_FLIGHT:
            return None  # a repeated report: the card shows its upload already
        # A reload meanwhile may have listed this upload already: keep one card for it.
        self.cards = [
            card for card in self.cards if card.token != pending.upload_token or card.key == key
        ]
        self._change(key, lambda card: cards_.ready(card, pending))
        self._announce(say.uploaded(self._filename(key)))
        return None

    # -- the cards -------------------------------------------------------------------------

    @rx.event
    def set_field(self, key: str, field: str, value: str) -> None:
        self._change(key, lambda card: cards_.with_field(card, field, value))

    @rx.event
    def set_gallery(self, key: str, value: str) -> None:
        self._change(key, lambda card: cards_.with_gallery(card, value))

    @rx.event
    def set_batch_gallery(self, value: str) -> None:
        self.batch_gallery = cards_.with_gallery(UploadCard(key=""), value).gallery

    @rx.event
    def set_batch_description(self, value: str) -> None:
        self.batch_description = value[:10_000]

    @rx.event
    def set_batch_tags(self, value: str) -> None:
        self.batch_tags = value[:10_000]

    @rx.event
    def apply_to_all(self) -> None:
        """Put the batch description, tags and gallery (if chosen) on every card not refused."""
        self.cards = [
            card if card.status == REFUSED else self._with_batch(card) for card in self.cards
        ]

    def _with_batch(self, card: UploadCard) -> UploadCard:
        card = cards_.with_batch(card, self.batch_description, self.batch_tags)
        if self.batch_gallery != cards_.NO_GALLERY:
            card = cards_.with_gallery(card, self.batch_gallery)
        return card

    @rx.event
    async def cancel_card(self, key: str) -> Any:
        """Remove a card; a pending upload is cancelled (an upload in flight was aborted)."""
        card = self._find(key)
        if card is None:
            return None
        user = await current_user(self) if card.token else None
        if card.token and user is None:
            return to_login(self)
        self.cards = [other for other in self.cards if other.key != key]
        self._announce(say.removed(card.filename))
        if card.token and user is not None:
            await asyncio.to_thread(jobs.discard, user, card.token)
        return None

    @rx.event
    async def replace_card(self, key: str, chosen: list[dict[str, Any]]) -> Any:
        """Discard the card's upload and upload another file in its place (values kept)."""
        card = self._find(key)
        added = cards_.chosen_cards(chosen[:1], 1, get_settings().max_upload_bytes)
        if card is None or card.status not in (READY, REFUSED) or not added:
            return None
        user = await current_user(self)
        if user is None:
            return to_login(self)
        if card.token:
            await asyncio.to_thread(jobs.discard, user, card.token)
        self._change(key, lambda old: cards_.with_values_of(added[0], old))
        return None

    # -- step 2: complete ------------------------------------------------------------------

    @rx.event(background=True)
    async def complete_card(self, key: str) -> None:
        """Save one card's image (step 2)."""
        await self._complete({key})

    @rx.event(background=True)
    async def complete_all(self) -> None:
        """Save every ready card whose metadata is valid; the others show their errors."""
        await self._complete(None)

    async def _complete(self, keys: set[str] | None) -> None:
        user = await current_user(self)
        async with self:
            if user is None:
                self.notice = LOGGED_OUT_MESSAGE
                return
            work = [
                (card.key, card.token, cards_.metadata_values(card), cards_.gallery_id(card))
                for card in self.cards
                if card.status == READY and (keys is None or card.key in keys)
            ]
            for key, _token, _values, _gallery in work:
                self._change(key, lambda card: dataclasses.replace(card, status=SAVING, message=""))
            self.saved = []
        left = [key for key, _token, _values, _gallery in work]
        message = SAVE_INTERRUPTED
        try:
            await self._save_each(user, work, left)
        except Exception:
            log.exception("the upload page stopped saving; %d card(s) left", len(left))
            message = jobs.SAVE_FAILED
        finally:  # cancelled or failed: no card may stay on "Saving…"
            if left:
                async with self:
                    for key in left:
                        self._change(key, functools.partial(_save_failed, message))
        if work:  # what sighted people see in the cards, said once in the polite log
            async with self:
                tried = {key for key, *_rest in work}
                unsaved = [card for card in self.cards if card.key in tried]
                titles = [image.title for image in self.saved]
                self._announce(say.saved_summary(titles, len(work), unsaved))

    async def _save_each(
        self,
        user: CurrentUser,
        work: list[tuple[str, str, dict[str, str], int | None]],
        left: list[str],
    ) -> None:
        """Finalize the cards one by one; ``left`` keeps those not settled yet."""
        gallery_gone = False
        for key, token, values, gallery in work:
            finalize = functools.partial(jobs.finalize, user, token, values, gallery)
            outcome = await jobs.off_loop(finalize)
            async with self:
                self._record_outcome(key, outcome, values["title"])
            left.remove(key)
            gallery_gone = gallery_gone or "gallery_id" in outcome.errors
        if gallery_gone:  # offer only the galleries there still are
            choices = await asyncio.to_thread(gallery_choices, user.store_id)
            async with self:
                self.galleries = choices
                if self.batch_gallery not in {choice.value for choice in choices}:
                    self.batch_gallery = cards_.NO_GALLERY

    def _record_outcome(self, key: str, outcome: jobs.Finalized, title: str) -> None:
        if outcome.image_id is not None:
            self.cards = [card for card in self.cards if card.key != key]
            self.saved = [*self.saved, cards_.image_link(outcome.image_id, title)]
        elif outcome.gone:
            self._change(key, lambda card: cards_.refused(card, outcome.message))
        else:
            labels = {choice.value: choice.label for choice in self.galleries}
            self._change(
                key,
                lambda card: cards_.not_saved(card, outcome.errors, outcome.message, labels),
            )

    # -- helpers ---------------------------------------------------------------------------

    def _announce(self, *lines: str) -> None:
        if lines:
            self.announcements = say.appended(self.announcements, *lines)

    def _filename(self, key: str) -> str:
        card = self._find(key)
        return card.filename if card else "The file"

    def _find(self, key: str) -> UploadCard | None:
        return next((card for card in self.cards if card.key == key), None)

    def _change(self, key: str, change: Callable[[UploadCard], UploadCard]) -> None:
        self.cards = [change(card) if card.key == key else card for card in self.cards]


def _save_failed(message: str, card: UploadCard) -> UploadCard:
    return cards_.not_saved(card, {}, message, {}) if card.status == SAVING else card


def _unless_shown(card: UploadCard, message: str, *, resumable: bool = False) -> UploadCard:
    """Refused, unless it shows its preview already (a late or repeated report)."""
    if card.status not in cards_.IN_FLIGHT:
        return card
    return cards_.refused(card, message, resumable=resumable)


def _mapping(report: object) -> dict[str, Any]:
    """A report from the browser as a dict (anything else: nothing reported)."""
    return dict(report) if isinstance(report, dict) else {}
