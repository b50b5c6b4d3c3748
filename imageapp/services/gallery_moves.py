"""Moving one image of a gallery relative to where it is: a step up or down (the move
buttons), or next to another image (drag and drop). Both become ``GalleryService.move`` to an
absolute position, computed from the gallery's current order, so a page showing a stale order
still moves the image next to the neighbour the person chose.
"""

from __future__ import annotations

from collections.abc import Sequence

from imageapp.services.galleries import GalleryService


def position_after_steps(order: Sequence[int], image_id: int, steps: int) -> int | None:
    """The 1-based position ``steps`` away from the image's own; None off either end."""
    if image_id not in order or steps == 0:
        return None
    position = order.index(image_id) + 1 + steps
    return position if 1 <= position <= len(order) else None


def position_next_to(
    order: Sequence[int], image_id: int, target_id: int, *, after: bool
) -> int | None:
    """The 1-based position that puts the image right before (or after) ``target_id``."""
    if image_id == target_id or image_id not in order or target_id not in order:
        return None
    others = [other for other in order if other != image_id]
    position = others.index(target_id) + 1 + (1 if after else 0)
    return None if position == order.index(image_id) + 1 else position


def move_by_steps(
    galleries: GalleryService, *, store_id: int, gallery_id: int, image_id: int, steps: int
) -> int | None:
    """Move up (negative) or down; returns the new position, None if nothing moved.
    Raises GalleryNotFound for a gallery that is not the store's."""
    order = galleries.image_ids(store_id=store_id, gallery_id=gallery_id)
    position = position_after_steps(order, image_id, steps)
    if position is not None:
        galleries.move(
            store_id=store_id, gallery_id=gallery_id, image_id=image_id, position=position
        )
    return position


def move_next_to(
    galleries: GalleryService,
    *,
    store_id: int,
    gallery_id: int,
    image_id: int,
    target_id: int,
    after: bool,
) -> int | None:
    """Drop ``image_id`` before or after ``target_id``; returns the new position or None."""
    order = galleries.image_ids(store_id=store_id, gallery_id=gallery_id)
    position = position_next_to(order, image_id, target_id, after=after)
    if position is not None:
        galleries.move(
            store_id=store_id, gallery_id=gallery_id, image_id=image_id, position=position
        )
    return position
