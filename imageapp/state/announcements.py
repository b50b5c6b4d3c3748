"""What the upload page's live log says, so screen-reader users hear what the cards show.

Plain functions over the cards: each returns one line for the page's polite log (the page
renders every line once; a line is never changed, only new ones added).
"""

from __future__ import annotations

from collections.abc import Sequence

from imageapp.state.upload_cards import REFUSED, UploadCard

# The log keeps this many lines; older ones go (they were announced long ago).
KEPT_LINES = 100


def appended(lines: Sequence[str], *new: str) -> list[str]:
    """The log with ``new`` lines at the end, the oldest dropped past KEPT_LINES."""
    return [*lines, *new][-KEPT_LINES:]


def images(count: int) -> str:
    return "1 image" if count == 1 else f"{count} images"


def files_added(cards: Sequence[UploadCard]) -> list[str]:
    """Cards just made from chosen files: how many upload, and any refused at once."""
    uploading = [card for card in cards if card.status != REFUSED]
    lines = [f"Uploading {images(len(uploading))}."] if uploading else []
    return lines + [refusal(card.filename, card.message) for card in cards if card not in uploading]


def uploaded(filename: str) -> str:
    return f"{filename} uploaded. Describe it below."


def resuming(filename: str, percent: int) -> str:
    return f"{filename}: resuming from {percent}%."


def refusal(filename: str, message: str) -> str:
    return f"{filename} was refused: {message}"


def removed(filename: str) -> str:
    return f"{filename} removed."


def saved_summary(saved: Sequence[str], tried: int, unsaved: Sequence[UploadCard]) -> str:
    """After Complete (one card or all): the titles saved, or how many; what stopped others."""
    if tried == 1 and len(saved) == 1:
        line = f"{saved[0]} saved to the library."
    else:
        line = f"{len(saved)} of {images(tried)} saved."
    for card in unsaved:
        if card.status == REFUSED:
            line += f" {refusal(card.filename, card.message)}"
        elif card.errors:
            line += f" {card.filename}: {_fields(len(card.errors))} to correct."
    return line


def _fields(count: int) -> str:
    return "1 field" if count == 1 else f"{count} fields"
