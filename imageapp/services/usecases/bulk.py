"""The library's bulk actions as both UIs offer them: the selection and choices as sent, checked;
one bulk service call; the sentence that says what happened ("3 images added to 'Summer'.").

Ids from a browser are never trusted: the bulk service acts only on the store's own finished
images; the rest (another store's, deleted meanwhile, never finished, no id at all) are counted
in the sentence and never acted on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from imageapp.services.bulk import BulkResult, BulkService
from imageapp.services.errors import ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.ids import is_id, parse_id
from imageapp.services.metadata import parse_tags
from imageapp.services.wording import count_label, moved_to_trash, trash_keeps, were

ACTIONS = (
    "set_active",
    "set_inactive",
    "add_to_gallery",
    "remove_from_gallery",
    "add_tags",
    "delete",
)
GALLERY_ACTIONS = ("add_to_gallery", "remove_from_gallery")
NOTHING_SELECTED = "Select one or more images first."
NO_ACTION = "Choose what to do with the selected images."
NO_GALLERY = "Choose a gallery first."
NO_TAGS = "Enter one or more tags, separated by commas."
NONE_OURS = "None of the selected images is in your library."
# Service refusals that belong next to one field of a form.
FIELD_OF_ERROR = {"gallery_not_found": "gallery_id", "bad_tags": "tags"}
Answer = TypeVar("Answer")  # what a bulk service call returns


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What an action did (``ok``) or why nothing was done; ``field``: the form field a
    refusal belongs to; ``gone``: ids to drop from the selection (deleted, or not ours);
    after a delete, ``trashed`` and ``trashed_at`` are what its "Undo" restores."""

    message: str
    ok: bool = True
    gone: tuple[int, ...] = ()
    field: str | None = None
    done: int = 0  # how many images the action changed
    trashed: tuple[int, ...] = ()
    trashed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """The ids a browser sent: the readable ones once each, and how many were no id at all."""

    image_ids: list[int]
    unreadable: int = 0

    @classmethod
    def of(cls, raw: Sequence[object]) -> Selection:
        readable = [image_id for image_id in map(_id_of, raw) if image_id is not None]
        return cls(list(dict.fromkeys(readable)), len(raw) - len(readable))

    @property
    def empty(self) -> bool:
        return not self.image_ids and not self.unreadable


def _id_of(value: object) -> int | None:
    """An id as a form (text) or an event (int) sends it; None for anything else."""
    if isinstance(value, str):
        return parse_id(value)
    return value if is_id(value) else None


@dataclass(frozen=True, slots=True)
class DeleteQuestion:
    """What deleting the selection would affect, asked before anything is deleted."""

    image_ids: list[int]  # exactly the images asked about (the store's own)
    image_count: int
    gallery_count: int
    where: str  # "They are in 2 galleries, which keep their place for them."
    ignored: int  # selected ids that are not the store's images
    consequence: str = ""  # how long the trash keeps them (wording.trash_keeps)

    @property
    def question(self) -> str:
        moved = f"Move {count_label(self.image_count)} to the trash?"
        return f"{moved} {self.where} {self.consequence}".strip()


def refused(message: str, field: str | None = None, gone: Sequence[int] = ()) -> BulkOutcome:
    return BulkOutcome(message=message, ok=False, field=field, gone=tuple(gone))


def check(
    action: str, selection: Selection, gallery: str = "", tags: str = ""
) -> BulkOutcome | None:
    """What a request lacks before any service is asked (None: nothing)."""
    if selection.empty:
        return refused(NOTHING_SELECTED, "selection")
    if action not in ACTIONS:
        return refused(NO_ACTION, "action")
    if action in GALLERY_ACTIONS and parse_id(gallery) is None:
        return refused(NO_GALLERY, "gallery_id")
    if action == "add_tags" and not parse_tags(tags):
        return refused(NO_TAGS, "tags")
    return None


def run_bulk_action(
    bulk: BulkService,
    galleries: GalleryService,
    *,
    store_id: int,
    action: str,
    raw_ids: Sequence[object],
    gallery: str = "",
    tags: str = "",
) -> BulkOutcome:
    """One action (anything in ACTIONS but delete, which asks first) on the selection."""
    selection = Selection.of(raw_ids)
    problem = check(action, selection, gallery, tags) or (
        refused(NO_ACTION, "action") if action == "delete" else None
    )
    if problem is not None:
        return problem
    try:
        result, sentence = _apply(bulk, galleries, store_id, action, selection, gallery, tags)
    except ImageAppError as refusal:
        return refused(refusal.message, FIELD_OF_ERROR.get(refusal.code))
    return _finish(result, sentence, selection)


def _apply(
    bulk: BulkService,
    galleries: GalleryService,
    store_id: int,
    action: str,
    selection: Selection,
    gallery: str,
    tags: str,
) -> tuple[BulkResult, str]:
    ids = selection.image_ids
    if action in ("set_active", "set_inactive"):
        status = action.removeprefix("set_")
        result = bulk.set_status(store_id=store_id, image_ids=ids, status=status)
        shown = "active" if status == "active" else "inactive: their files are no longer served"
        return result, f"{count_label(result.done)} set {shown}."
    if action == "add_tags":
        result = bulk.add_tags(store_id=store_id, image_ids=ids, tags=tags)
        names = ", ".join(parse_tags(tags))
        return result, f"Tags {names} added to {count_label(result.done)}."
    gallery_id = parse_id(gallery) or 0
    title = galleries.get(store_id=store_id, gallery_id=gallery_id).title
    if action == "add_to_gallery":
        result = bulk.add_to_gallery(store_id=store_id, image_ids=ids, gallery_id=gallery_id)
        sentence = f"{count_label(result.done)} added to '{title}'."
        return result, sentence + _others(result, ids, "there already")
    result = bulk.remove_from_gallery(store_id=store_id, image_ids=ids, gallery_id=gallery_id)
    sentence = f"{count_label(result.done)} taken out of '{title}'."
    return result, sentence + _others(result, ids, "not in it")


def _others(result: BulkResult, ids: Sequence[int], what: str) -> str:
    """The store's images the action did not change: " 1 image was there already." """
    others = len(ids) - len(result.ignored_ids) - result.done
    return f" {count_label(others)} {were(others)} {what}." if others > 0 else ""


def _finish(result: BulkResult, sentence: str, selection: Selection) -> BulkOutcome:
    skipped = len(result.ignored_ids) + selection.unreadable
    if skipped:
        sentence += f" {count_label(skipped)} {were(skipped)} not in your library and left alone."
    return BulkOutcome(message=sentence, gone=result.ignored_ids, done=result.done)


def ask_delete(
    bulk: BulkService, *, store_id: int, raw_ids: Sequence[object], trash_days: int = 30
) -> DeleteQuestion | BulkOutcome:
    """The question before deleting: how many images and galleries it affects, and how long
    the trash keeps them (IMAGEAPP_TRASH_DAYS)."""
    selection = Selection.of(raw_ids)
    preview = _on_selection(
        selection, lambda ids: bulk.preview_delete(store_id=store_id, image_ids=ids)
    )
    if isinstance(preview, BulkOutcome):
        return preview
    if not preview.image_count:
        return refused(NONE_OURS, gone=selection.image_ids)
    ignored = set(preview.ignored_ids)
    one = preview.image_count == 1
    it_is, them = ("It is", "it") if one else ("They are", "them")
    where = (
        f"{it_is} in {count_label(preview.gallery_count, 'gallery', 'galleries')}, "
        f"which keep {'its' if one else 'their'} place for {them}."
        if preview.gallery_count
        else f"{it_is} in no gallery."
    )
    return DeleteQuestion(
        image_ids=[image_id for image_id in selection.image_ids if image_id not in ignored],
        image_count=preview.image_count,
        gallery_count=preview.gallery_count,
        where=where,
        ignored=len(ignored) + selection.unreadable,
        consequence=trash_keeps(trash_days),
    )


def delete_images(
    bulk: BulkService,
    *,
    store_id: int,
    raw_ids: Sequence[object],
    user_id: int | None = None,
) -> BulkOutcome:
    """Move the store's images among the selection to the trash (after the question was
    answered); ``user_id`` is who deleted them, shown in the trash. The outcome carries what
    an "Undo" restores."""
    selection = Selection.of(raw_ids)
    result = _on_selection(
        selection, lambda ids: bulk.delete(store_id=store_id, image_ids=ids, user_id=user_id)
    )
    if isinstance(result, BulkOutcome):
        return result
    outcome = _finish(result, moved_to_trash(result.done), selection)
    return BulkOutcome(
        message=outcome.message,
        gone=tuple(selection.image_ids),
        done=result.done,
        trashed=result.image_ids,
        trashed_at=result.at if result.image_ids else None,
    )


def _on_selection(
    selection: Selection, call: Callable[[list[int]], Answer]
) -> Answer | BulkOutcome:
    """``call`` on the selected ids; a refusal when nothing is selected or the service refuses."""
    if selection.empty:
        return refused(NOTHING_SELECTED, "selection")
    try:
        return call(selection.image_ids)
    except ImageAppError as refusal:
        return refused(refusal.message)
