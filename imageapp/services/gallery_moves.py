"""Moving one image of a gallery relative to where it is: a step up or down (the move
buttons), or next to another image (drag and drop). Both become an absolute position in the
gallery's current order (services/usecases/galleries.py then moves it there), so a page showing
a stale order still moves the image next to the neighbour the person chose.
"""

from __future__ import annotations

from collections.abc import Sequence


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
