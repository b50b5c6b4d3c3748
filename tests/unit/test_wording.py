"""Counts read the same in every front end."""

from __future__ import annotations

import pytest

from imageapp.services.wording import count_label, matching_label


@pytest.mark.parametrize(
    ("total", "filtered", "line"),
    [
        (0, False, "0 images"),
        (1, False, "1 image"),
        (1, True, "1 image matches"),
        (3, True, "3 images match"),
    ],
)
def test_the_library_count_line(total: int, filtered: bool, line: str) -> None:
    assert matching_label(total, filtered) == line


def test_irregular_plurals() -> None:
    assert (count_label(1, "gallery", "galleries"), count_label(2, "gallery", "galleries")) == (
        "1 gallery",
        "2 galleries",
    )
