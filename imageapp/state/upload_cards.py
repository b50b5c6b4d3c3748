"""The cards of the upload page as plain values, and the pure rules that change them.

Kept apart from UploadState so the state class stays a thin dispatcher and these rules are
easy to test: what a dropped file becomes, what a finished step 1 shows, what "apply to all"
does, how a reload finds the uploads still pending.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from imageapp import urls
from imageapp.services.ids import parse_id
from imageapp.services.metadata import parse_tags
from imageapp.services.uploads import PendingUpload
from imageapp.services.usecases.uploads import METADATA_FIELDS
from imageapp.services.validation import ACCEPT_ATTRIBUTE, format_bytes, too_large
from imageapp.services.wording import metadata_removal_line
from imageapp.state.pictures import MIME_LABELS

QUEUED = "queued"  # chosen in the browser, its request not started yet
UPLOADING = "uploading"  # bytes arriving
CHECKING = "checking"  # all bytes in, the file is being decoded and checked
READY = "ready"  # pending upload: preview and metadata form
SAVING = "saving"  # being finalized
REFUSED = "refused"  # step 1 refused it: the message says why
IN_FLIGHT = (QUEUED, UPLOADING, CHECKING)

NO_GALLERY = "none"  # select items cannot have an empty value
MAX_CARDS = 50
FILENAME_SHOWN = 120
REFERENCE = re.compile(r"^[0-9a-f]{32}$")
ACCEPT = ACCEPT_ATTRIBUTE  # what the file picker offers: the types step 1 accepts
MESSAGE_SHOWN = 500
TOKEN_LENGTH_MAX = 200
UPLOAD_FAILED = "The upload failed. Choose the same file again to continue where it stopped."


@dataclasses.dataclass(frozen=True)
class ImageLink:
    """An active image the upload page links to (just saved, or the same file uploaded before)."""

    id: int
    title: str
    url: str


def image_link(image_id: int, title: str) -> ImageLink:
    return ImageLink(id=image_id, title=title.strip() or "Untitled", url=urls.image(image_id))


@dataclasses.dataclass(frozen=True)
class UploadCard:
    """One file on the upload page, from the moment it is chosen until it is saved."""

    key: str  # this card's upload id (fresh for every file, so a request is never reused)
    ref: str = ""  # where the browser keeps the file until its upload starts
    filename: str = ""
    size_label: str = ""
    size_bytes: int = 0
    status: str = QUEUED
    progress: int = 0
    resumed_from: int = 0  # percent an earlier upload of this file had reached (0: none)
    resumable: bool = False  # refused for want of the file or the network: choose it again
    message: str = ""  # why step 1 refused it, or why saving failed
    token: str = ""
    preview_url: str = ""
    details: str = ""  # size, type and bytes, as people read them
    privacy: str = ""  # "Removed: GPS position, ... Kept: colour profile." (wording.py)
    title: str = ""
    alt_text: str = ""
    description: str = ""
    slug: str = ""
    tags: str = ""
    gallery: str = NO_GALLERY  # the id of the gallery to add the image to, as text
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    duplicates: list[ImageLink] = dataclasses.field(default_factory=list)


def new_key() -> str:
    return uuid.uuid4().hex


def chosen_cards(infos: Iterable[Any], room: int, max_bytes: int) -> list[UploadCard]:
    """Cards for files the browser announced (untrusted: names, sizes and refs are checked).

    A file announced as too large is refused at once, without sending a byte; the server
    still enforces the limit while streaming, whatever the browser claimed.
    """
    cards: list[UploadCard] = []
    for info in infos:
        if len(cards) >= room:
            break
        if not isinstance(info, Mapping) or not REFERENCE.match(str(info.get("ref", ""))):
            continue
        size = info.get("size")
        size = size if isinstance(size, int) and size >= 0 else 0
        card = UploadCard(
            key=new_key(),
            ref=str(info["ref"]),
            filename=str(info.get("name") or "image")[:FILENAME_SHOWN],
            size_bytes=size,
            size_label=format_bytes(size),
        )
        if size > max_bytes:
            card = refused(card, too_large(max_bytes).message)
        cards.append(card)
    return cards


def refused(card: UploadCard, message: str, *, resumable: bool = False) -> UploadCard:
    """Step 1 said no (or, ``resumable``, the upload stopped: the same file continues it)."""
    return dataclasses.replace(
        card,
        status=REFUSED,
        message=message,
        token="",
        preview_url="",
        resumable=resumable,
    )


def _count(report: Mapping[str, Any], name: str) -> int:
    """A non-negative whole number the browser reported (anything else counts as 0)."""
    value = report.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _percent(part: int, whole: int) -> int:
    return min(100, part * 100 // whole) if whole > 0 else 0


def with_progress(card: UploadCard, report: Mapping[str, Any]) -> UploadCard:
    """Bytes sent so far ({sent, total}); every byte in: the server checks the image now."""
    if card.status not in (QUEUED, UPLOADING):
        return card
    sent, total = _count(report, "sent"), _count(report, "total") or card.size_bytes
    if total and sent >= total:
        return dataclasses.replace(card, progress=100, status=CHECKING)
    percent = min(99, _percent(sent, total))
    return dataclasses.replace(card, status=UPLOADING, progress=percent)


def resuming(card: UploadCard, report: Mapping[str, Any]) -> UploadCard:
    """An earlier upload of this file continues at {offset} of {total} bytes."""
    if card.status not in IN_FLIGHT:
        return card
    total = _count(report, "total") or card.size_bytes
    percent = min(99, _percent(_count(report, "offset"), total))
    return dataclasses.replace(
        card, status=UPLOADING, resumed_from=percent, progress=max(card.progress, percent)
    )


def failure_message(report: Mapping[str, Any]) -> str:
    """The reason the browser passed on (the server's own words, or the script's)."""
    message = report.get("message")
    text = message.strip()[:MESSAGE_SHOWN] if isinstance(message, str) else ""
    return text or UPLOAD_FAILED


def reported_token(report: Mapping[str, Any]) -> str:
    """The upload token in the server's step-1 answer as the browser passed it on (to check)."""
    token = report.get("upload_token")
    return token if isinstance(token, str) and len(token) <= TOKEN_LENGTH_MAX else ""


def describe(pending: PendingUpload) -> str:
    kind = MIME_LABELS.get(pending.mime_type, pending.mime_type)
    size = format_bytes(pending.size_bytes)
    return f"{pending.width} × {pending.height} · {kind} · {size}"  # noqa: RUF001


def ready(card: UploadCard, pending: PendingUpload) -> UploadCard:
    """A card whose file passed step 1: preview and form."""
    return dataclasses.replace(
        card,
        status=READY,
        progress=100,
        message="",
        token=pending.upload_token,
        preview_url=urls.pending_preview(pending.upload_token),
        details=describe(pending),
        privacy=metadata_removal_line(pending.found_metadata),
        duplicates=[
            image_link(image.id, image.title or image.original_filename)
            for image in pending.duplicates
        ],
    )


def restored(pending: PendingUpload, draft: Mapping[str, str]) -> UploadCard:
    """A card for an upload still pending from earlier (reload, another tab)."""
    card = UploadCard(
        key=new_key(),
        filename=pending.original_filename[:FILENAME_SHOWN],
        size_bytes=pending.size_bytes,
        size_label=format_bytes(pending.size_bytes),
    )
    return ready(with_values(card, draft), pending)


def merge_pending(
    cards: Sequence[UploadCard], pending: Sequence[tuple[PendingUpload, Mapping[str, str]]]
) -> list[UploadCard]:
    """The page's cards after a reload: what is pending on the server decides.

    Ready cards whose upload is gone (finished or cancelled elsewhere, expired) are dropped;
    uploads pending but not shown get a card; cards still uploading or refused are kept.
    """
    tokens = {upload.upload_token for upload, _draft in pending}
    kept = [card for card in cards if card.status not in (READY, SAVING) or card.token in tokens]
    shown = {card.token for card in kept}
    return kept + [
        restored(upload, draft) for upload, draft in pending if upload.upload_token not in shown
    ]


def with_field(card: UploadCard, field: str, value: str) -> UploadCard:
    """The card with one metadata field typed in (its error cleared until the next check)."""
    if field not in METADATA_FIELDS:
        return card
    errors = {name: message for name, message in card.errors.items() if name != field}
    return with_values(dataclasses.replace(card, errors=errors), {field: value[:10_000]})


def with_batch(card: UploadCard, description: str, tags: str) -> UploadCard:
    """Apply-to-all: a non-empty description replaces the card's; tags are added to its own."""
    changes: dict[str, str] = {}
    if description.strip():
        changes["description"] = description
    if parse_tags(tags):
        changes["tags"] = ", ".join(dict.fromkeys([*parse_tags(card.tags), *parse_tags(tags)]))
    if not changes:
        return card
    errors = {name: text for name, text in card.errors.items() if name not in changes}
    return with_values(dataclasses.replace(card, errors=errors), changes)


def with_gallery(card: UploadCard, value: str) -> UploadCard:
    """The card with a gallery chosen (or none); which galleries exist, finalize checks."""
    gallery = str(parse_id(value) or NO_GALLERY)
    errors = {name: text for name, text in card.errors.items() if name != "gallery_id"}
    return dataclasses.replace(card, gallery=gallery, errors=errors)


def gallery_id(card: UploadCard) -> int | None:
    return None if card.gallery == NO_GALLERY else int(card.gallery)


def not_saved(
    card: UploadCard, errors: Mapping[str, str], message: str, labels: Mapping[str, str]
) -> UploadCard:
    """A card whose save was refused (field errors) or failed (``message``): ready again,
    with every value and the chosen gallery kept. ``labels``: the galleries the page
    offered, so a gallery deleted meanwhile is named in its error."""
    shown = dict(errors)
    if "gallery_id" in shown and card.gallery in labels:
        shown["gallery_id"] = (
            f"The gallery '{labels[card.gallery]}' no longer exists; choose another."
        )
    return dataclasses.replace(card, status=READY, errors=shown, message="" if shown else message)


def with_values(card: UploadCard, values: Mapping[str, str]) -> UploadCard:
    """The card with the metadata fields given in ``values`` (others unchanged)."""
    return dataclasses.replace(
        card,
        title=values.get("title", card.title),
        alt_text=values.get("alt_text", card.alt_text),
        description=values.get("description", card.description),
        slug=values.get("slug", card.slug),
        tags=values.get("tags", card.tags),
    )


def with_values_of(card: UploadCard, old: UploadCard) -> UploadCard:
    """A fresh card for a replacement file, keeping what was typed and chosen on ``old``."""
    return with_gallery(with_values(card, metadata_values(old)), old.gallery)


def metadata_values(card: UploadCard) -> dict[str, str]:
    return {field: getattr(card, field) for field in METADATA_FIELDS}
