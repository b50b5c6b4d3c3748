"""UploadState's handlers against the real upload service, SQLite file and storage dir.

The browser sends each file to the tus server (/tus/) and reports to the State what happened:
progress, resumption, the network going away, and after the last byte the server's step-1
answer. Here step 1 runs through the real service, as the tus server runs it, and the reports
are the ones assets/upload_queue.js sends; the State must believe none of them blindly.
"""

from __future__ import annotations

import dataclasses
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import AccountService
from imageapp.services.errors import UploadRejected
from imageapp.services.factory import build_upload_service
from imageapp.state import upload_cards as cards_
from imageapp.state.identity import LOGGED_OUT_MESSAGE, current_user, login_token
from imageapp.state.library import read_library_page
from imageapp.state.upload import LOST_MESSAGE, UPLOAD_NOT_FOUND, UploadState
from imageapp.state.upload_cards import UploadCard
from tests.images import SVG, jpeg_bytes, png_bytes
from tests.state.conftest import (
    Member,
    active_image,
    call,
    make_state,
    pending_of,
    run,
    sign_in,
)

REF = "0123456789abcdef0123456789abcdef"


def state_of(member: Member | None) -> UploadState:
    """The upload page of this member's browser, opened (its on_load ran)."""
    state = make_state(UploadState, member.cookie if member else None, "/upload")
    call(UploadState.load_page, state)
    return state


def pending_tokens(member: Member) -> list[str]:
    uploads = build_upload_service()
    return [item.upload_token for item in uploads.list_pending(owner=member.user.upload_owner)]


def choose(state: UploadState, *files: tuple[str, int]) -> list[UploadCard]:
    """The browser announced these (name, size) files; returns the new cards."""
    infos = [
        {"ref": f"{index:032x}", "name": name, "size": size, "type": "image/jpeg"}
        for index, (name, size) in enumerate(files, start=len(state.cards) + 1)
    ]
    before = len(state.cards)
    call(UploadState.files_chosen, state, infos)
    return state.cards[before:]


def step_one(state: UploadState, data: bytes, filename: str) -> dict[str, Any]:
    """What GET /tus/{id} answers once the tus server has the last byte: step 1 for the
    user logged in on ``state``'s browser (the server's own tests cover the bytes' way)."""
    user = run(current_user(state))
    assert user is not None
    try:
        pending = build_upload_service().create_pending(
            stream=BytesIO(data),
            filename=filename,
            owner=user.upload_owner,
            store_id=user.store_id,
            uploaded_by=user.id,
        )
    except UploadRejected as refusal:
        return {"errors": [{"code": refusal.code, "message": refusal.message}]}
    return {"upload_token": pending.upload_token, "image_id": pending.image_id}


def report_upload(state: UploadState, key: str, answer: dict[str, Any], size: int) -> None:
    """The browser's reports for one card's tus upload: progress, then the outcome."""
    call(UploadState.upload_progress, state, key, {"sent": size // 2, "total": size})
    call(UploadState.upload_progress, state, key, {"sent": size, "total": size})
    if "errors" in answer:
        call(UploadState.upload_failed, state, key, {"message": answer["errors"][0]["message"]})
    else:
        call(UploadState.upload_finished, state, key, answer)


def upload(state: UploadState, data: bytes, filename: str = "photo.jpg") -> UploadCard:
    """Choose one file and upload it, as the card's tus upload would; returns the card."""
    (card,) = choose(state, (filename, len(data)))
    report_upload(state, card.key, step_one(state, data, filename), len(data))
    return card_of(state, card.key)


def card_of(state: UploadState, key: str) -> UploadCard:
    return next(card for card in state.cards if card.key == key)


def temp_files(settings: Settings) -> list[Path]:
    temp = settings.storage_dir / "temp"
    return [path for path in temp.iterdir() if path.is_file()] if temp.exists() else []


def test_a_valid_file_becomes_a_ready_card_with_a_private_preview(member: Member) -> None:
    state = state_of(member)

    card = upload(state, jpeg_bytes((640, 480)), "harbour.jpg")

    assert card.status == cards_.READY
    assert card.progress == 100
    assert card.preview_url == f"/nojs/images/upload/preview?token={card.token}"
    assert card.details.startswith("640 × 480 · JPEG · ")  # noqa: RUF001
    (pending,) = build_upload_service().list_pending(owner=member.user.upload_owner)
    assert pending.upload_token == card.token
    assert pending.original_filename == "harbour.jpg"
    assert pending.store_id == member.user.store_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"just some notes, not a picture" * 100,
            "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image.",
        ),
        (SVG, "SVG"),
        (b"", "The file is empty"),
    ],
)
def test_a_refused_file_shows_why_and_leaves_nothing(
    app_settings: Settings, member: Member, data: bytes, message: str
) -> None:
    state = state_of(member)

    card = upload(state, data, "notes.jpg")

    assert card.status == cards_.REFUSED
    assert message in card.message
    assert card.token == ""
    assert temp_files(app_settings) == []
    assert pending_tokens(member) == []


def test_one_bad_file_does_not_stop_the_others(member: Member) -> None:
    state = state_of(member)
    good, bad, other = choose(state, ("a.jpg", 1), ("b.jpg", 1), ("c.png", 1))

    for card, data in (
        (good, jpeg_bytes()),
        (bad, b"not an image at all" * 10),
        (other, png_bytes()),
    ):
        report_upload(state, card.key, step_one(state, data, card.filename), len(data))

    statuses = [card.status for card in state.cards]
    assert statuses == [cards_.READY, cards_.REFUSED, cards_.READY]


def test_a_file_over_the_limit_shows_the_servers_reason(
    app_settings: Settings, member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_settings, "max_upload_bytes", 300 * 1024)
    state = state_of(member)
    big = jpeg_bytes((1600, 1200)) + bytes(2 * 1024 * 1024)  # the browser under-announced it
    (card,) = choose(state, ("big.jpg", 1000))

    report_upload(state, card.key, step_one(state, big, "big.jpg"), len(big))

    card = card_of(state, card.key)
    assert card.status == cards_.REFUSED
    assert "larger than 300 KB" in card.message
    assert not card.resumable  # the same file again would be refused again
    assert temp_files(app_settings) == []


def test_a_store_over_its_quota_is_refused_before_a_byte_is_kept(
    app_settings: Settings, member: Member
) -> None:
    AccountService(get_engine()).set_store_quota(
        store_name=member.user.store_name, max_images=1, max_bytes=None
    )
    state = state_of(member)
    first = upload(state, jpeg_bytes(seed=1))

    second = upload(state, jpeg_bytes(seed=2))

    assert first.status == cards_.READY
    assert second.status == cards_.REFUSED
    assert second.message
    assert len(temp_files(app_settings)) == 1


def test_a_file_announced_too_large_is_refused_before_sending(
    app_settings: Settings, member: Member
) -> None:
    state = state_of(member)

    (card,) = choose(state, ("huge.jpg", app_settings.max_upload_bytes + 1))

    assert card.status == cards_.REFUSED
    assert "larger than 25 MB" in card.message


def test_announcements_are_checked(member: Member) -> None:
    state = state_of(member)
    infos: list[Any] = [
        {"ref": "not-a-reference", "name": "x.jpg", "size": 1},
        "nonsense",
        {"ref": REF, "name": "<b>" + "n" * 500, "size": -5},
    ]

    call(UploadState.files_chosen, state, infos)

    (card,) = state.cards
    assert card.status == cards_.QUEUED
    assert card.size_bytes == 0
    assert len(card.filename) == cards_.FILENAME_SHOWN


def test_the_page_sends_a_stranger_to_the_login_page(app_settings: Settings) -> None:
    state = make_state(UploadState, None, "/upload")

    redirect = call(UploadState.load_page, state)

    assert "/nojs/login?next=/upload" in str(redirect)
    assert not state.loaded


def test_after_logging_out_a_finished_upload_is_not_shown(
    app_settings: Settings, member: Member
) -> None:
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 1000))
    answer = step_one(state, jpeg_bytes(), "photo.jpg")
    AccountService(get_engine()).end_session(login_token(state))

    call(UploadState.upload_finished, state, card.key, answer)

    card = card_of(state, card.key)
    assert card.status == cards_.REFUSED
    assert card.message == LOGGED_OUT_MESSAGE
    assert (card.token, card.preview_url) == ("", "")


def test_a_forged_cookie_is_no_login(app_settings: Settings, member: Member) -> None:
    forged = member.cookie.replace("imageapp_session=", "imageapp_session=x")
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 1000))
    answer = step_one(state, jpeg_bytes(), "photo.jpg")
    state.router = make_state(UploadState, forged, "/upload").router

    call(UploadState.upload_finished, state, card.key, answer)

    assert card_of(state, card.key).message == LOGGED_OUT_MESSAGE


@pytest.mark.parametrize(
    "answer",
    [
        {"upload_token": "0" * 32, "image_id": 1},  # made up
        {"upload_token": ["not", "text"]},
        {"upload_token": "x" * 10_000},
        {},
    ],
)
def test_a_reported_token_the_service_does_not_know_shows_nothing(
    member: Member, answer: dict[str, Any]
) -> None:
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 1000))

    call(UploadState.upload_finished, state, card.key, answer)

    card = card_of(state, card.key)
    assert (card.status, card.message, card.token) == (cards_.REFUSED, UPLOAD_NOT_FOUND, "")


def test_someone_elses_upload_token_is_not_taken_over(
    app_settings: Settings, member: Member
) -> None:
    """A browser could report any token it learnt: only the user's own pending upload counts."""
    colleague = sign_in(app_settings, store=member.user.store_name)
    theirs = pending_of(colleague)
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 1000))

    call(UploadState.upload_finished, state, card.key, {"upload_token": theirs.upload_token})

    card = card_of(state, card.key)
    assert (card.status, card.token, card.preview_url) == (cards_.REFUSED, "", "")
    assert pending_tokens(colleague) == [theirs.upload_token]  # untouched
    call(UploadState.cancel_card, state, card.key)
    assert pending_tokens(colleague) == [theirs.upload_token]


def test_a_repeated_report_for_a_card_is_ignored(member: Member) -> None:
    state = state_of(member)
    card = upload(state, jpeg_bytes())
    other = step_one(state, jpeg_bytes(seed=2), "again.jpg")

    call(UploadState.upload_finished, state, card.key, other)
    call(UploadState.upload_failed, state, card.key, {"message": "late"})
    call(UploadState.upload_lost, state, card.key, {})
    call(UploadState.upload_progress, state, card.key, {"sent": 1, "total": 2})

    assert card_of(state, card.key) == card


def test_a_reload_mid_upload_asks_for_the_same_file_to_continue(member: Member) -> None:
    state = state_of(member)
    (card,) = choose(state, ("big.jpg", 2_000_000))
    call(UploadState.upload_progress, state, card.key, {"sent": 500_000, "total": 2_000_000})

    call(UploadState.load_page, state)  # the reload: the card is kept, the File is not
    call(UploadState.upload_lost, state, card.key, {"lost": True})

    card = card_of(state, card.key)
    assert (card.status, card.message, card.resumable) == (cards_.REFUSED, LOST_MESSAGE, True)


def test_choosing_the_file_again_resumes_and_says_from_where(member: Member) -> None:
    state = state_of(member)
    (lost,) = choose(state, ("big.jpg", 2_000_000))
    call(UploadState.upload_lost, state, lost.key, {})
    infos = [{"ref": REF, "name": "big.jpg", "size": 2_000_000}]
    call(UploadState.replace_card, state, lost.key, infos)
    (card,) = state.cards

    call(UploadState.upload_resuming, state, card.key, {"offset": 840_000, "total": 2_000_000})

    card = card_of(state, card.key)
    assert (card.status, card.resumed_from, card.progress) == (cards_.UPLOADING, 42, 42)
    assert state.announcements[-1] == "big.jpg: resuming from 42%."
    call(UploadState.upload_progress, state, card.key, {"sent": 1_000_000, "total": 2_000_000})
    assert card_of(state, card.key).progress == 50


def test_a_server_out_of_reach_leaves_the_card_resumable(member: Member) -> None:
    state = state_of(member)
    (card,) = choose(state, ("big.jpg", 1000))
    reason = "The server could not be reached. Choose the same file again to continue."

    call(UploadState.upload_failed, state, card.key, {"message": reason, "resumable": True})

    card = card_of(state, card.key)
    assert (card.status, card.message, card.resumable) == (cards_.REFUSED, reason, True)


@pytest.mark.parametrize(
    "report",
    [
        {"sent": "50", "total": 100},
        {"sent": True, "total": 100},
        {"sent": -5, "total": 100},
        {"sent": 50.5, "total": 100},
        {},
    ],
)
def test_nonsense_progress_counts_as_none(member: Member, report: dict[str, Any]) -> None:
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 100))

    call(UploadState.upload_progress, state, card.key, report)

    card = card_of(state, card.key)
    assert (card.status, card.progress) == (cards_.UPLOADING, 0)


def test_a_failure_message_from_the_browser_is_cut_short(member: Member) -> None:
    state = state_of(member)
    (card,) = choose(state, ("photo.jpg", 100))

    call(UploadState.upload_failed, state, card.key, {"message": "x" * 5000})
    assert len(card_of(state, card.key).message) == cards_.MESSAGE_SHOWN

    (other,) = choose(state, ("other.jpg", 100))
    call(UploadState.upload_failed, state, other.key, {"message": 12})
    assert card_of(state, other.key).message == cards_.UPLOAD_FAILED


def test_a_card_cancelled_while_its_file_is_checked_leaves_nothing_pending(
    member: Member,
) -> None:
    state = state_of(member)
    (card,) = choose(state, ("a.jpg", 100))
    call(UploadState.upload_progress, state, card.key, {"sent": 100, "total": 100})
    assert card_of(state, card.key).status == cards_.CHECKING
    call(UploadState.cancel_card, state, card.key)  # Cancel clicked during the check

    call(UploadState.upload_finished, state, card.key, step_one(state, jpeg_bytes(), "a.jpg"))

    assert state.cards == []
    assert pending_tokens(member) == []


def test_apply_to_all_replaces_descriptions_and_adds_tags(member: Member) -> None:
    state = state_of(member)
    first = upload(state, jpeg_bytes(), "a.jpg")
    second = upload(state, b"nope", "b.jpg")
    call(UploadState.set_field, state, first.key, "tags", "Boats, harbour")
    call(UploadState.set_field, state, first.key, "description", "old words")
    call(UploadState.set_batch_description, state, "Summer trip")
    call(UploadState.set_batch_tags, state, "harbour, holiday")

    call(UploadState.apply_to_all, state)

    first, second = (card_of(state, first.key), card_of(state, second.key))
    assert (first.description, first.tags) == ("Summer trip", "boats, harbour, holiday")
    assert (second.description, second.tags) == ("", "")  # refused cards have no form


def test_complete_all_saves_valid_cards_and_keeps_invalid_ones(member: Member) -> None:
    state = state_of(member)
    good = upload(state, jpeg_bytes(seed=1), "a.jpg")
    incomplete = upload(state, jpeg_bytes(seed=2), "b.jpg")
    for field, value in (("title", "Harbour"), ("alt_text", "Boats"), ("tags", "sea")):
        call(UploadState.set_field, state, good.key, field, value)
    call(UploadState.set_field, state, incomplete.key, "title", "Meadow")
    call(UploadState.set_field, state, incomplete.key, "slug", "Not A Slug")

    call(UploadState.complete_all, state)

    (left,) = state.cards
    assert left.key == incomplete.key
    assert left.status == cards_.READY
    assert set(left.errors) == {"alt_text", "slug"}
    assert [(image.title, image.url) for image in state.saved] == [
        ("Harbour", f"/images/{state.saved[0].id}")
    ]
    store = member.user.store_id
    assert [item.title for item in read_library_page(1, store).items] == ["Harbour"]
    owner = member.user.upload_owner
    draft = build_upload_service().draft_of(token=left.token, owner=owner)
    assert draft["title"] == "Meadow"  # refused values are kept for a reload

    call(UploadState.set_field, state, left.key, "alt_text", "Grass")
    assert "alt_text" not in state.cards[0].errors  # editing a field clears its error
    call(UploadState.set_field, state, left.key, "slug", "")
    call(UploadState.complete_card, state, left.key)

    assert state.cards == []
    assert [item.title for item in read_library_page(1, store).items] == ["Meadow", "Harbour"]


def test_an_expired_upload_says_so_when_completed(member: Member) -> None:
    state = state_of(member)
    card = upload(state, jpeg_bytes())
    call(UploadState.set_field, state, card.key, "title", "Late")
    call(UploadState.set_field, state, card.key, "alt_text", "Late")
    build_upload_service().cancel(token=card.token, owner=member.user.upload_owner)

    call(UploadState.complete_all, state)

    (card,) = state.cards
    assert card.status == cards_.REFUSED
    assert "expired" in card.message


def test_the_same_file_again_points_to_the_image_already_kept(member: Member) -> None:
    image_id = active_image(member, "Harbour")  # made from jpeg_bytes(seed=len(title))
    state = state_of(member)

    card = upload(state, jpeg_bytes(seed=len("Harbour")))

    assert card.status == cards_.READY
    assert [(link.id, link.title) for link in card.duplicates] == [(image_id, "Harbour")]


def test_cancel_discards_the_pending_upload(app_settings: Settings, member: Member) -> None:
    state = state_of(member)
    kept = upload(state, jpeg_bytes(seed=1))
    cancelled = upload(state, jpeg_bytes(seed=2))

    call(UploadState.cancel_card, state, cancelled.key)

    assert [card.key for card in state.cards] == [kept.key]
    assert pending_tokens(member) == [kept.token]
    assert len(temp_files(app_settings)) == 1


def test_another_user_cannot_cancel_or_complete_my_upload(
    app_settings: Settings, member: Member
) -> None:
    mine = state_of(member)
    card = upload(mine, jpeg_bytes())
    intruder = state_of(sign_in(app_settings, store="Other Store"))
    intruder.cards = [dataclasses.replace(card, title="Stolen", alt_text="Stolen")]

    call(UploadState.complete_all, intruder)
    call(UploadState.cancel_card, intruder, card.key)

    assert intruder.saved == []
    assert pending_tokens(member) == [card.token]


def test_a_colleague_of_the_same_store_does_not_see_my_pending_uploads(
    app_settings: Settings, member: Member
) -> None:
    upload(state_of(member), jpeg_bytes())

    colleague = state_of(sign_in(app_settings, store=member.user.store_name))

    assert colleague.cards == []


def test_replace_discards_the_old_file_and_keeps_the_typed_values(member: Member) -> None:
    state = state_of(member)
    card = upload(state, jpeg_bytes(seed=1), "first.jpg")
    call(UploadState.set_field, state, card.key, "title", "Kept title")
    old_token = card.token

    infos = [{"ref": REF, "name": "second.png", "size": 10}]
    call(UploadState.replace_card, state, card.key, infos)

    (replacement,) = state.cards
    assert replacement.status == cards_.QUEUED
    assert (replacement.filename, replacement.title) == ("second.png", "Kept title")
    assert replacement.key != card.key  # a fresh upload id for the new request
    assert pending_tokens(member) == []
    data = png_bytes()
    report_upload(state, replacement.key, step_one(state, data, "second.png"), len(data))
    assert state.cards[0].status == cards_.READY
    assert state.cards[0].token != old_token


def test_reopening_the_page_lists_this_users_pending_uploads(
    app_settings: Settings, member: Member
) -> None:
    mine = pending_of(member, name="left-behind.jpg")
    build_upload_service().remember_draft(
        token=mine.upload_token,
        owner=member.user.upload_owner,
        values={"title": "Half done", "alt_text": ""},
    )
    pending_of(sign_in(app_settings, store="Another Store"))

    state = state_of(member)

    (card,) = state.cards
    assert state.loaded
    assert (card.status, card.token, card.filename, card.title) == (
        cards_.READY,
        mine.upload_token,
        "left-behind.jpg",
        "Half done",
    )
    call(UploadState.load_page, state)  # loading again adds nothing twice
    assert [item.token for item in state.cards] == [mine.upload_token]


def test_reloading_drops_cards_whose_upload_finished_elsewhere(member: Member) -> None:
    state = state_of(member)
    card = upload(state, jpeg_bytes())
    build_upload_service().cancel(token=card.token, owner=member.user.upload_owner)

    call(UploadState.load_page, state)

    assert state.cards == []


def test_someone_else_logging_in_on_this_tab_sees_none_of_the_cards(
    app_settings: Settings, member: Member
) -> None:
    state = state_of(member)
    upload(state, b"refused, but its name would show", "private-name.jpg")
    other = sign_in(app_settings, store="Other Store")

    state.router = make_state(UploadState, other.cookie, "/upload").router
    call(UploadState.load_page, state)

    assert state.cards == []
