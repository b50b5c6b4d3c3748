"""Ids too large for the database in the Reflex pages' addresses and events, on real SQLite and
PostgreSQL: the page shows "not found" or ignores the value; nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from imageapp.config import Settings
from imageapp.services.factory import build_gallery_service
from imageapp.services.ids import MAX_ID
from imageapp.state.bulk import NOTHING_SELECTED, BulkState
from imageapp.state.gallery import GalleryState
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.library import ANY_GALLERY, LibraryState
from imageapp.state.upload_cards import NO_GALLERY, UploadCard, with_gallery
from tests.conftest import configure_settings
from tests.state.conftest import Member, active_image, call, make_state

# Just past PostgreSQL's INTEGER, past SQLite's 64-bit integer, and the example.
TOO_LARGE = [str(MAX_ID + 1), str(2**63), "99999999999999999999"]


@pytest.fixture
def app_settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Both databases here: what a too-large number does depends on the database."""
    return configure_settings(tmp_path, database_url, monkeypatch)


@pytest.fixture
def placed(member: Member) -> tuple[int, int]:
    """A gallery of the member's store holding one image: (gallery id, image id)."""
    image_id = active_image(member, "Quay")
    galleries = build_gallery_service()
    gallery_id = galleries.create(store_id=member.user.store_id, title="Harbour")
    galleries.add_images(store_id=member.user.store_id, gallery_id=gallery_id, image_ids=[image_id])
    return gallery_id, image_id


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_image_page_with_a_too_large_id_is_not_found(
    member: Member, placed: tuple[int, int], number: str
) -> None:
    state = make_state(ImageDetailState, member.cookie, f"/images/{number}")
    call(ImageDetailState.load_image, state)
    assert (state.loaded, state.found, state.image.title) == (True, False, "")


@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_gallery_page_with_a_too_large_id_is_not_found(
    member: Member, placed: tuple[int, int], number: str
) -> None:
    state = make_state(GalleryState, member.cookie, f"/galleries/{number}")
    call(GalleryState.load_gallery, state)
    assert (state.loaded, state.found, state.gallery.title) == (True, False, "")


@pytest.mark.parametrize("number", TOO_LARGE)
def test_too_large_pages_and_galleries_in_the_query_fall_back_to_defaults(
    member: Member, placed: tuple[int, int], number: str
) -> None:
    gallery_id, image_id = placed
    gallery = make_state(GalleryState, member.cookie, f"/galleries/{gallery_id}?page={number}")
    call(GalleryState.load_gallery, gallery)
    assert (gallery.found, [entry.id for entry in gallery.gallery.images]) == (True, [image_id])
    library = make_state(LibraryState, member.cookie, f"/?gallery={number}&page={number}")
    call(LibraryState.load_page, library)
    assert [item.id for item in library.items] == [image_id]
    assert (library.filter_gallery, library.page, library.filtered) == (ANY_GALLERY, 1, False)


@pytest.mark.parametrize("number", TOO_LARGE)
def test_gallery_events_naming_a_too_large_image_change_nothing(
    member: Member, placed: tuple[int, int], number: str
) -> None:
    gallery_id, image_id = placed
    state = make_state(GalleryState, member.cookie, f"/galleries/{gallery_id}")
    call(GalleryState.load_gallery, state)
    too_large = int(number)
    call(GalleryState.remove, state, too_large)
    call(GalleryState.make_cover, state, too_large)
    call(GalleryState.move, state, too_large, 1)
    call(GalleryState.drop, state, {"image_id": too_large, "target_id": image_id, "after": True})
    call(GalleryState.drop, state, {"image_id": image_id, "target_id": too_large, "after": True})
    ids = build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=gallery_id)
    assert ids == [image_id]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_bulk_actions_ignore_too_large_ids(
    member: Member, placed: tuple[int, int], number: str
) -> None:
    gallery_id, image_id = placed
    state = make_state(BulkState, member.cookie, "/")
    call(BulkState.set_target_gallery, state, number)
    assert state.target_gallery == ""
    call(BulkState.remove_from_gallery, state, [image_id])
    assert (state.message, state.message_ok) == ("Choose a gallery first.", False)
    state.target_gallery = number  # as a crafted event could set it
    call(BulkState.remove_from_gallery, state, [image_id])
    assert (state.message, state.message_ok) == ("Choose a gallery first.", False)
    call(BulkState.set_inactive, state, [int(number)])
    assert (state.message, state.message_ok) == (NOTHING_SELECTED, False)  # no image in it
    ids = build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=gallery_id)
    assert ids == [image_id]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_upload_card_ignores_a_too_large_gallery(number: str) -> None:
    card = with_gallery(UploadCard(key="card-1"), number)
    assert card.gallery == NO_GALLERY
