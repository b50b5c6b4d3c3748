"""The Reflex pages' camera facts and privacy line, from the same service values as the no-JS
pages: the upload card says what the strip removed (after a reload too), the image page shows
the camera facts (nothing for a photo without them)."""

from __future__ import annotations

from reflex.vars import Var

from imageapp.services.factory import build_upload_service
from imageapp.state import upload_cards as cards_
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.library import LibraryState
from tests.factories import metadata
from tests.images_metadata import CAMERA_LINE, photo_with_camera_facts
from tests.state.conftest import Member, active_image, call, make_state, pending_of
from tests.state.test_upload import state_of, upload

REMOVED = (
    "Removed: GPS position, camera serial number, owner's name, 9 other EXIF fields. "
    "Kept: colour profile."
)


def test_the_upload_card_says_what_was_removed(member: Member) -> None:
    state = state_of(member)

    card = upload(state, photo_with_camera_facts("heic"), "phone.heic")

    assert card.status == cards_.READY
    assert card.privacy == REMOVED
    (restored,) = state_of(member).cards  # the page opened again: the same line
    assert (restored.token, restored.privacy) == (card.token, REMOVED)


def test_a_file_without_metadata_says_none_was_found(member: Member) -> None:
    pending_of(member)
    (card,) = state_of(member).cards
    assert card.privacy == "No personal metadata found."


def test_the_image_page_shows_the_camera_facts(member: Member) -> None:
    pending = pending_of(member, photo_with_camera_facts("avif"), "phone.avif")
    image_id = build_upload_service().finalize(
        token=pending.upload_token, owner=member.user.upload_owner, metadata=metadata("Dawn")
    )
    plain = active_image(member, "Plain")

    state = make_state(ImageDetailState, member.cookie, f"/images/{image_id}")
    call(ImageDetailState.load_image, state)
    assert state.image.camera_facts == CAMERA_LINE

    state = make_state(ImageDetailState, member.cookie, f"/images/{plain}")
    call(ImageDetailState.load_image, state)
    assert state.image.camera_facts == ""


def test_the_library_sorts_by_date_taken_and_keeps_the_order_in_its_links(
    member: Member,
) -> None:
    undated = active_image(member, "Undated")
    pending = pending_of(member, photo_with_camera_facts("jpeg"), "dated.jpg")
    dated = build_upload_service().finalize(
        token=pending.upload_token, owner=member.user.upload_owner, metadata=metadata("Dated")
    )
    state = make_state(LibraryState, member.cookie, "/")
    call(LibraryState.load_page, state)
    assert [item.id for item in state.items] == [dated, undated]  # newest upload first

    redirect = call(LibraryState.choose_sort, state, "taken")
    assert redirect.args[0][1].equals(Var.create("/?sort=taken"))

    state = make_state(LibraryState, member.cookie, "/?sort=taken&tag=")
    call(LibraryState.load_page, state)
    assert state.sort == "taken"
    assert [item.id for item in state.items] == [dated, undated]
    undated_first = active_image(member, "Newest upload, no date")
    call(LibraryState.load_page, state)
    assert [item.id for item in state.items] == [dated, undated_first, undated]
