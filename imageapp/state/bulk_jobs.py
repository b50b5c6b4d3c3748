"""The library's bulk actions for BulkState: each one call into the bulk use cases, which the
no-JS form calls too and which word the sentence saying what happened. Blocking: run them in
a thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from imageapp.config import get_settings
from imageapp.services.factory import (
    build_bulk_service,
    build_gallery_service,
    build_trash_service,
)
from imageapp.services.usecases import bulk as usecases
from imageapp.services.usecases.bulk import BulkOutcome, DeleteQuestion
from imageapp.services.usecases.trash import restore_images


def run(
    action: str, store_id: int, image_ids: Sequence[int], gallery: str = "", tags: str = ""
) -> BulkOutcome:
    """Any action but delete on the selection (``gallery``, ``tags`` as the controls hold them)."""
    return usecases.run_bulk_action(
        build_bulk_service(),
        build_gallery_service(),
        store_id=store_id,
        action=action,
        raw_ids=image_ids,
        gallery=gallery,
        tags=tags,
    )


def delete_question(store_id: int, image_ids: Sequence[int]) -> DeleteQuestion | BulkOutcome:
    """What deleting the selection would affect, or why there is nothing to ask."""
    return usecases.ask_delete(
        build_bulk_service(),
        store_id=store_id,
        raw_ids=image_ids,
        trash_days=get_settings().trash_days,
    )


def delete(store_id: int, user_id: int, image_ids: Sequence[int]) -> BulkOutcome:
    """Move the images to the trash (``user_id`` deleted them)."""
    return usecases.delete_images(
        build_bulk_service(), store_id=store_id, raw_ids=image_ids, user_id=user_id
    )


def undo_delete(store_id: int, image_ids: Sequence[int]) -> BulkOutcome:
    """Restore what a delete just moved to the trash (the summary's "Undo")."""
    return restore_images(build_trash_service(), store_id=store_id, raw_ids=image_ids)
