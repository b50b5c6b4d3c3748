"""Relative moves in a gallery: the positions they come to (the moves themselves are the gallery
use cases', tests/services/test_usecases_galleries.py)."""

from __future__ import annotations

import pytest

from imageapp.services.gallery_moves import position_after_steps, position_next_to

ORDER = [10, 20, 30, 40]


@pytest.mark.parametrize(
    ("image_id", "steps", "position"),
    [(30, -1, 2), (30, 1, 4), (10, -1, None), (40, 1, None), (20, 2, 4), (20, 0, None)],
)
def test_position_after_steps(image_id: int, steps: int, position: int | None) -> None:
    assert position_after_steps(ORDER, image_id, steps) == position


def test_position_after_steps_of_an_image_not_there() -> None:
    assert position_after_steps(ORDER, 99, 1) is None


@pytest.mark.parametrize(
    ("image_id", "target_id", "after", "position"),
    [
        (40, 10, False, 1),  # to the front
        (10, 40, True, 4),  # to the end
        (10, 30, False, 2),  # forward, before the target
        (40, 20, True, 3),  # backward, after the target
        (20, 30, False, None),  # already right before it
        (30, 20, True, None),  # already right after it
        (20, 20, True, None),  # onto itself
        (20, 99, True, None),  # the target is gone
    ],
)
def test_position_next_to(image_id: int, target_id: int, after: bool, position: int | None) -> None:
    assert position_next_to(ORDER, image_id, target_id, after=after) == position
