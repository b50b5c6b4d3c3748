"""The upload page's calls into the upload use cases: blocking (DB, disk, Pillow), so UploadState
runs each of them in a thread. Each returns plain values a card can show."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import UploadNotFound
from imageapp.services.factory import build_upload_service
from imageapp.services.uploads import PendingUpload, UploadService
from imageapp.services.usecases.uploads import Completed, Gone, complete_upload, discard_upload

log = logging.getLogger(__name__)
Result = TypeVar("Result")
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


async def off_loop(function: Callable[[], Result]) -> Result:
    """Run blocking work in a thread; if cancelled meanwhile, let it finish before unwinding
    (a save half done by a thread nobody waits for would be reported nowhere)."""
    work = asyncio.ensure_future(asyncio.to_thread(function))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait({work})
        raise


def pending_upload(user: CurrentUser, token: str) -> PendingUpload | None:
    """The user's pending upload with this token, or None (expired, gone, someone else's):
    what the browser reports about a finished tus upload counts only if this finds it."""
    try:
        return upload_service().get_pending(token=token, owner=user.upload_owner)
    except UploadNotFound:
        return None


def pending_with_drafts(user: CurrentUser) -> list[tuple[PendingUpload, dict[str, str]]]:
    """The user's pending uploads with the values last refused for each (to resume them)."""
    return upload_service().pending_with_drafts(owner=user.upload_owner)


def finalize(
    user: CurrentUser, token: str, values: Mapping[str, str], gallery_id: int | None = None
) -> Finalized:
    """Step 2 for one card: the use case the no-JS form calls too (refused values are kept);
    ``gallery_id``: also place the image last in that gallery of the user's store.

    Never raises: whatever goes wrong, the card gets an outcome a person can act on.
    """
    try:
        outcome = complete_upload(
            upload_service(),
            owner=user.upload_owner,
            token=token,
            raw_fields=values,
            gallery_id=gallery_id,
        )
    except Exception:
        log.exception("finalizing upload %s failed", token)
        return Finalized(message=SAVE_FAILED)
    if isinstance(outcome, Completed):
        return Finalized(image_id=outcome.image_id)
    if isinstance(outcome, Gone):
        return Finalized(message=outcome.message, gone=True)
    return Finalized(errors=outcome.errors, message=outcome.message)


def discard(user: CurrentUser, token: str) -> None:
    """Cancel one pending upload; one already gone is what the person asked for anyway."""
    discard_upload(upload_service(), owner=user.upload_owner, token=token)
