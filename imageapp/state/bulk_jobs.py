"""The library's bulk actions, each one call into the bulk service, and the sentence that tells
the person what happened ("3 images added to 'Summer'."). Blocking: run them in a thread.

The service acts only on the store's own finished images; ids it ignored (another store's,
deleted meanwhile, never finished) are reported here, never acted on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from imageapp.services.bulk import BulkResult
from imageapp.services.errors import ImageAppError
from imageapp.services.factory import build_bulk_service, build_gallery_service
from imageapp.services.metadata import parse_tags
from imageapp.state.gallery_jobs import count_label


@dataclasses.dataclass(frozen=True)
class Outcome:
    message: str
    ok: bool = True
    gone: tuple[int, ...] = ()  # ids to drop from the selection (deleted, or not ours)


def refused(error: ImageAppError) -> Outcome:
    return Outcome(message=error.message, ok=False)


def _finish(result: BulkResult, sentence: str) -> Outcome:
    skipped = len(result.ignored_ids)
    if skipped:
        were = "was" if skipped == 1 else "were"
        sentence += f" {count_label(skipped)} {were} not in your library and left alone."
    return Outcome(message=sentence, gone=result.ignored_ids)


def delete_question(store_id: int, image_ids: Sequence[int]) -> tuple[int, str]:
    """What deleting the selection would affect: (image count, the confirmation question)."""
    preview = build_bulk_service().preview_delete(store_id=store_id, image_ids=image_ids)
    galleries = count_label(preview.gallery_count, "gallery", "galleries")
    where = (
        f"They are in {galleries}, which will no longer show them."
        if preview.gallery_count
        else "They are in no gallery."
    )
    question = (
        f"Delete {count_label(preview.image_count)} for good? {where} "
        "The files and all their sizes are removed; this cannot be undone."
    )
    return preview.image_count, question


def delete(store_id: int, image_ids: Sequence[int]) -> Outcome:
    result = build_bulk_service().delete(store_id=store_id, image_ids=image_ids)
    outcome = _finish(result, f"{count_label(result.done)} deleted.")
    return dataclasses.replace(outcome, gone=tuple(image_ids))


def set_status(store_id: int, image_ids: Sequence[int], status: str) -> Outcome:
    result = build_bulk_service().set_status(store_id=store_id, image_ids=image_ids, status=status)
    shown = "active" if status == "active" else "inactive: their files are no longer served"
    return _finish(result, f"{count_label(result.done)} set {shown}.")


def add_tags(store_id: int, image_ids: Sequence[int], tags: str) -> Outcome:
    result = build_bulk_service().add_tags(store_id=store_id, image_ids=image_ids, tags=tags)
    names = ", ".join(parse_tags(tags))
    return _finish(result, f"Tags {names} added to {count_label(result.done)}.")


def add_to_gallery(store_id: int, image_ids: Sequence[int], gallery_id: int) -> Outcome:
    title = build_gallery_service().get(store_id=store_id, gallery_id=gallery_id).title
    result = build_bulk_service().add_to_gallery(
        store_id=store_id, image_ids=image_ids, gallery_id=gallery_id
    )
    sentence = f"{count_label(result.done)} added to '{title}'."
    already = len(set(image_ids)) - len(result.ignored_ids) - result.done
    if already > 0:
        sentence += f" {count_label(already)} {'was' if already == 1 else 'were'} there already."
    return _finish(result, sentence)


def remove_from_gallery(store_id: int, image_ids: Sequence[int], gallery_id: int) -> Outcome:
    title = build_gallery_service().get(store_id=store_id, gallery_id=gallery_id).title
    result = build_bulk_service().remove_from_gallery(
        store_id=store_id, image_ids=image_ids, gallery_id=gallery_id
    )
    sentence = f"{count_label(result.done)} taken out of '{title}'."
    absent = len(set(image_ids)) - len(result.ignored_ids) - result.done
    if absent > 0:
        sentence += f" {count_label(absent)} {'was' if absent == 1 else 'were'} not in it."
    return _finish(result, sentence)
