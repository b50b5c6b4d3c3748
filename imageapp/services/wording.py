"""How counts read in every front end's sentences ("1 image", "3 galleries")."""

from __future__ import annotations


def count_label(count: int, noun: str = "image", plural: str = "") -> str:
    """``1 image``, ``3 images`` (``plural`` for nouns that do not just take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def were(count: int) -> str:
    """The verb after a count: "1 image was", "2 images were"."""
    return "was" if count == 1 else "were"


def matching_label(total: int, filtered: bool) -> str:
    """The library's count line: "3 images", or "1 image matches" when filters apply."""
    shown = count_label(total)
    if not filtered:
        return shown
    return f"{shown} {'matches' if total == 1 else 'match'}"
