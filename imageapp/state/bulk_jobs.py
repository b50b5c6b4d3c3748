"""The library's bulk actions for BulkState: each one call into the bulk use cases, which the
no-JS form calls too and which word the sentence saying what happened. Blocking: run them in
a thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from imageapp.services.factory import build_bulk_service, build_gallery_service
from imageapp.services.usecases import bulk as usecases
from imageapp.services.usecases.bulk import BulkOutcome, DeleteQuestion


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
    return usecases.ask_delete(build_bulk_service(), store_id=store_id, raw_ids=image_ids)


def delete(store_id: int, image_ids: Sequence[int]) -> BulkOutcome:
    return usecases.delete_images(build_bulk_service(), store_id=store_id, raw_ids=image_ids)
