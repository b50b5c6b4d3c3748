"""The trash as every front end offers it: its page, restore (some or all, and the "Undo" of a
delete), and delete forever after a question. Ids as sent are checked here; the sentences come
from services/wording.py, so both UIs say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from imageapp.services.trash import TrashPage, TrashService
from imageapp.services.usecases.bulk import NOTHING_SELECTED, BulkOutcome, Selection, refused
from imageapp.services.wording import (
    FOREVER_CONSEQUENCE,
    TRASH_QUOTA,
    count_label,
    deleted_forever,
    restored,
    trash_keeps,
)

EMPTY_TRASH = "The trash is empty."


@dataclass(frozen=True, slots=True)
class TrashView:
    """One page of the trash and what to say about it."""

    listing: TrashPage
    keeps: str  # how long deleted images stay
    quota: str  # they still count against the quotas


def browse_trash(
    trash: TrashService, *, store_id: int, page: int, page_size: int, trash_days: int
) -> TrashView:
    listing = trash.page(store_id=store_id, page=page, page_size=page_size)
    return TrashView(listing=listing, keeps=trash_keeps(trash_days), quota=TRASH_QUOTA)


def restore_images(
    trash: TrashService, *, store_id: int, raw_ids: Sequence[object], everything: bool = False
) -> BulkOutcome:
    """Put the chosen images (or, ``everything``, the whole trash) back in the library.
    Sent twice, the second finds nothing and says so."""
    selection = Selection.of(raw_ids)
    if not everything and not selection.image_ids:
        return refused(NOTHING_SELECTED, "selection")
    ids = None if everything else selection.image_ids
    back = trash.restore(store_id=store_id, image_ids=ids)
    return BulkOutcome(message=restored(len(back)), ok=bool(back), gone=tuple(back))


@dataclass(frozen=True, slots=True)
class ForeverQuestion:
    """Asked before deleting trashed images forever. ``everything``: the whole trash as it
    was at ``until`` (an image trashed after the question is not part of the answer)."""

    image_ids: list[int]
    image_count: int
    everything: bool
    until: datetime | None

    @property
    def question(self) -> str:
        return f"Delete {count_label(self.image_count)} forever? {FOREVER_CONSEQUENCE}"


def ask_delete_forever(
    trash: TrashService, *, store_id: int, raw_ids: Sequence[object], everything: bool = False
) -> ForeverQuestion | BulkOutcome:
    if everything:
        listing = trash.page(store_id=store_id, page=1, page_size=1)
        if not listing.total:
            return refused(EMPTY_TRASH)
        return ForeverQuestion([], listing.total, True, listing.newest)
    selection = Selection.of(raw_ids)
    if not selection.image_ids:
        return refused(NOTHING_SELECTED, "selection")
    found = set(trash.in_trash(store_id=store_id, image_ids=selection.image_ids))
    ids = [image_id for image_id in selection.image_ids if image_id in found]
    if not ids:
        return refused(deleted_forever(0), gone=selection.image_ids)
    return ForeverQuestion(ids, len(ids), False, None)


def delete_forever(
    trash: TrashService,
    *,
    store_id: int,
    raw_ids: Sequence[object],
    everything: bool = False,
    until: datetime | None = None,
) -> BulkOutcome:
    """The answered question: rows now, files by the removal job; a restored image is kept."""
    selection = Selection.of(raw_ids)
    if everything:
        if until is None:
            return refused(EMPTY_TRASH)
        done = trash.delete_forever(store_id=store_id, image_ids=None, until=until)
    elif not selection.image_ids:
        return refused(NOTHING_SELECTED, "selection")
    else:
        done = trash.delete_forever(store_id=store_id, image_ids=selection.image_ids)
    return BulkOutcome(
        message=deleted_forever(done), ok=bool(done), gone=tuple(selection.image_ids)
    )
