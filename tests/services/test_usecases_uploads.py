"""Step 2 as every front end calls it: the typed values, completed, refused (kept as the
upload's draft) or gone; and discard, for which a gone upload is fine."""

from __future__ import annotations

import pytest

from imageapp.services.errors import UploadNotFound
from imageapp.services.uploads import UploadService
from imageapp.services.usecases.uploads import (
    Completed,
    Gone,
    Refused,
    complete_upload,
    discard_upload,
    gallery_choice,
)
from tests.factories import pending_upload


def test_valid_values_complete_the_upload(uploads: UploadService) -> None:
    pending = pending_upload(uploads)
    raw = {"title": " Harbour ", "alt_text": "Boats", "tags": "sea, boats", "csrf_token": "x"}

    outcome = complete_upload(
        uploads, owner="session-1", token=pending.upload_token, raw_fields=raw
    )

    assert outcome == Completed(image_id=pending.image_id)
    assert outcome.message == "Your image was uploaded."


def test_refused_values_are_field_errors_and_become_the_draft(uploads: UploadService) -> None:
    pending = pending_upload(uploads)
    raw = {"title": "", "alt_text": "", "slug": "Bad Slug!", "gallery_id": "7"}

    outcome = complete_upload(
        uploads, owner="session-1", token=pending.upload_token, raw_fields=raw
    )

    assert isinstance(outcome, Refused)
    assert {"title", "alt_text", "slug"} <= set(outcome.errors)
    assert outcome.draft_kept is True
    draft = uploads.draft_of(token=pending.upload_token, owner="session-1")
    assert draft == {
        "title": "",
        "alt_text": "",
        "description": "",
        "slug": "Bad Slug!",
        "tags": "",
    }


@pytest.mark.parametrize("raw", [{"title": "Harbour", "alt_text": "Boats"}, {"title": ""}])
def test_someone_elses_or_a_gone_upload_is_gone(
    uploads: UploadService, raw: dict[str, str]
) -> None:
    pending = pending_upload(uploads)

    outcome = complete_upload(uploads, owner="mallory", token=pending.upload_token, raw_fields=raw)

    assert outcome == Gone(UploadNotFound().message)
    assert uploads.draft_of(token=pending.upload_token, owner="session-1") == {}


def test_discard_twice_is_fine(uploads: UploadService) -> None:
    pending = pending_upload(uploads)
    discard_upload(uploads, owner="session-1", token=pending.upload_token)
    discard_upload(uploads, owner="session-1", token=pending.upload_token)
    assert uploads.list_pending(owner="session-1") == []


@pytest.mark.parametrize(("raw", "chosen"), [("", None), (None, None), ("12", 12), ("x", 0)])
def test_the_gallery_choice_as_sent(raw: str | None, chosen: int | None) -> None:
    assert gallery_choice(raw) == chosen
