"""What the upload page's live log tells screen-reader users, from the real handlers."""

from __future__ import annotations

from imageapp.state import announcements as say
from imageapp.state.upload import UploadState
from tests.images import jpeg_bytes, png_bytes
from tests.state.conftest import Member, call
from tests.state.test_upload import choose, state_of, upload

NOT_AN_IMAGE = "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."


def describe(state: UploadState, key: str, title: str, alt_text: str = "") -> None:
    call(UploadState.set_field, state, key, "title", title)
    call(UploadState.set_field, state, key, "alt_text", alt_text)


def test_each_file_is_announced_when_it_is_in_or_refused(member: Member) -> None:
    state = state_of(member)

    upload(state, jpeg_bytes(seed=1), "sunrise.jpg")
    upload(state, b"just some notes" * 100, "notes.jpg")

    assert state.announcements == [
        "Uploading 1 image.",
        "sunrise.jpg uploaded. Describe it below.",
        "Uploading 1 image.",
        f"notes.jpg was refused: {NOT_AN_IMAGE}",
    ]


def test_a_file_too_large_for_the_limit_is_refused_at_once(member: Member) -> None:
    state = state_of(member)

    choose(state, ("big.jpg", 10**12), ("small.jpg", 1000))

    (big,) = [card for card in state.cards if card.filename == "big.jpg"]
    assert state.announcements == ["Uploading 1 image.", say.refusal("big.jpg", big.message)]


def test_complete_all_says_how_many_were_saved_and_what_to_correct(member: Member) -> None:
    state = state_of(member)
    cards = [upload(state, jpeg_bytes(seed=n), f"photo{n}.jpg") for n in range(1, 4)]
    meadow = upload(state, png_bytes(seed=4), "meadow.png")
    for number, card in enumerate(cards, start=1):
        describe(state, card.key, f"Photo {number}", "Boats in a harbour")
    describe(state, meadow.key, "Meadow")  # no alt text
    call(UploadState.set_field, state, meadow.key, "slug", "Not A Slug")

    call(UploadState.complete_all, state)

    assert state.announcements[-1] == "3 of 4 images saved. meadow.png: 2 fields to correct."


def test_one_completed_card_is_named_and_a_removed_one_too(member: Member) -> None:
    state = state_of(member)
    kept = upload(state, jpeg_bytes(seed=5), "sunrise.jpg")
    dropped = upload(state, jpeg_bytes(seed=6), "dusk.jpg")
    describe(state, kept.key, "Sunrise over the quay", "The sun rising over boats")

    call(UploadState.complete_card, state, kept.key)
    call(UploadState.cancel_card, state, dropped.key)

    assert state.announcements[-2:] == [
        "Sunrise over the quay saved to the library.",
        "dusk.jpg removed.",
    ]


def test_the_log_starts_empty_whenever_the_page_is_opened(member: Member) -> None:
    state = state_of(member)
    upload(state, jpeg_bytes(seed=7), "sunrise.jpg")

    call(UploadState.load_page, state)

    assert state.announcements == []
    assert [card.filename for card in state.cards] == ["sunrise.jpg"]  # the card stays


def test_the_log_keeps_its_latest_lines() -> None:
    lines = say.appended([f"line {n}" for n in range(say.KEPT_LINES)], "newest")

    assert len(lines) == say.KEPT_LINES
    assert lines[0] == "line 1"
    assert lines[-1] == "newest"
