"""Step 2 and its ways out, as both UIs (and the API) offer them: complete a pending upload
with the metadata a person typed (or keep it as a draft when refused), and discard one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from imageapp.services.errors import MetadataInvalid, UploadNotFound
from imageapp.services.ids import parse_id
from imageapp.services.metadata import parse_metadata
from imageapp.services.uploads import DRAFT_FIELDS, UploadService

# The step-2 form's metadata fields, in the order the forms show them (also the draft's).
METADATA_FIELDS = DRAFT_FIELDS
COMPLETED_MESSAGE = "Your image was uploaded."


@dataclass(frozen=True, slots=True)
class Completed:
    """The upload is an active image now."""

    image_id: int
    message: str = COMPLETED_MESSAGE


@dataclass(frozen=True, slots=True)
class Refused:
    """The metadata was refused: ``errors`` by field; the values are kept as the upload's draft
    (``draft_kept``) so any UI that opens it again shows them."""

    errors: dict[str, str]
    message: str
    draft_kept: bool = True


@dataclass(frozen=True, slots=True)
class Gone:
    """The upload expired, was cancelled or finished elsewhere: nothing is left to complete."""

    message: str = field(default_factory=lambda: UploadNotFound().message)


Completion = Completed | Refused | Gone


def metadata_values(raw: Mapping[str, object]) -> dict[str, str]:
    """The metadata fields of a submitted form (missing ones empty, everything as text)."""
    return {name: str(raw.get(name) or "") for name in METADATA_FIELDS}


def gallery_choice(raw: str | None) -> int | None:
    """The "add to gallery" choice as sent: blank is none; junk becomes 0, which no gallery
    has, so completing refuses it next to the field."""
    if not raw:
        return None
    return parse_id(raw) or 0


def complete_upload(
    uploads: UploadService,
    *,
    owner: str,
    token: str | None,
    raw_fields: Mapping[str, object],
    gallery_id: int | None = None,
) -> Completion:
    """Step 2: parse the typed metadata and make the owner's pending upload an active image
    (placed last in ``gallery_id`` of its store). Refused metadata is kept as a draft."""
    values = metadata_values(raw_fields)
    try:
        image_id = uploads.finalize(
            token=token, owner=owner, metadata=parse_metadata(**values), gallery_id=gallery_id
        )
    except MetadataInvalid as invalid:
        try:
            uploads.remember_draft(token=token, owner=owner, values=values)
        except UploadNotFound as missing:  # gone between the two: no form to go back to
            return Gone(missing.message)
        return Refused(errors=invalid.errors, message=invalid.message)
    except UploadNotFound as missing:
        return Gone(missing.message)
    return Completed(image_id=image_id)


def discard_upload(uploads: UploadService, *, owner: str, token: str | None) -> bool:
    """Cancel and upload-different: the same cleanup; an upload already gone (expired and
    cleaned up, finished elsewhere) is the outcome the person asked for. True if there was
    one to discard (the API answers a 404 otherwise)."""
    try:
        uploads.cancel(token=token, owner=owner)
    except UploadNotFound:
        return False
    return True
