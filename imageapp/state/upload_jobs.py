"""The upload page's calls into the upload service: blocking (DB, disk, Pillow), so UploadState
runs each of them in a thread. Each returns plain values a card can show."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping

from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import MetadataInvalid, UploadNotFound
from imageapp.services.factory import build_upload_service
from imageapp.services.metadata import parse_metadata
from imageapp.services.uploads import PendingUpload, UploadService

log = logging.getLogger(__name__)
SAVE_FAILED = (
    "Saving failed because of a problem on the server (it has been logged). "
    "Press Complete to try again, or Cancel."
)


@dataclasses.dataclass(frozen=True)
class Finalized:
    """What "Complete" did to one card: an image id, field errors, why it is gone (``gone``),
    or why saving failed although the upload may still be there (``message`` alone)."""

    image_id: int | None = None
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    message: str = ""
    gone: bool = False


def upload_service() -> UploadService:
    return build_upload_service()


def pending_with_drafts(user: CurrentUser) -> list[tuple[PendingUpload, dict[str, str]]]:
    """The user's pending uploads with the values last refused for each (to resume them)."""
    uploads, owner = upload_service(), user.upload_owner
    found = []
    for pending in uploads.list_pending(owner=owner):
        try:
            found.append((pending, uploads.draft_of(token=pending.upload_token, owner=owner)))
        except UploadNotFound:
            continue  # expired between the two reads
    return found


def finalize(
    user: CurrentUser, token: str, values: Mapping[str, str], gallery_id: int | None = None
) -> Finalized:
    """Step 2 for one card, exactly as the no-JS form does it (refused values are kept);
    ``gallery_id``: also place the image last in that gallery of the user's store.

    Never raises: whatever goes wrong, the card gets an outcome a person can act on.
    """
    try:
        return _finalize(user, token, values, gallery_id)
    except Exception:
        log.exception("finalizing upload %s failed", token)
        return Finalized(message=SAVE_FAILED)


def _finalize(
    user: CurrentUser, token: str, values: Mapping[str, str], gallery_id: int | None
) -> Finalized:
    uploads, owner = upload_service(), user.upload_owner
    try:
        image_id = uploads.finalize(
            token=token, owner=owner, metadata=parse_metadata(**values), gallery_id=gallery_id
        )
    except MetadataInvalid as invalid:
        with contextlib.suppress(UploadNotFound):
            uploads.remember_draft(token=token, owner=owner, values=values)
        return Finalized(errors=invalid.errors, message=invalid.message)
    except UploadNotFound as missing:
        return Finalized(message=missing.message, gone=True)
    return Finalized(image_id=image_id)


def discard(user: CurrentUser, token: str) -> None:
    """Cancel one pending upload; one already gone is what the person asked for anyway."""
    with contextlib.suppress(UploadNotFound):
        upload_service().cancel(token=token, owner=user.upload_owner)
