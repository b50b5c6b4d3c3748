"""The library's filters, selection and bulk actions against the real services."""

from __future__ import annotations

from typing import Any

import pytest
from reflex.vars import Var

from imageapp.config import Settings
from imageapp.db import session_scope
from imageapp.services.factory import build_gallery_service, build_upload_service
from imageapp.services.library import get_active_image
from imageapp.state.bulk import BulkState
from imageapp.state.library import LibraryState
from tests.state.conftest import Member, active_image, call, make_state, pending_of, sign_in


def library(member: Member, path: str = "/") -> LibraryState:
    state = make_state(LibraryState, member.cookie, path)
    call(LibraryState.load_page, state)
    return state


def bulk(member: Member) -> BulkState:
    return make_state(BulkState, member.cookie, "/")


def new_gallery(member: Member, title: str, image_ids: list[int] | None = None) -> int:
    galleries = build_gallery_service()
    gallery_id = galleries.create(store_id=member.user.store_id, title=title)
    galleries.add_images(
        store_id=member.user.store_id, gallery_id=gallery_id, image_ids=image_ids or []
    )
    return gallery_id


def order(member: Member, gallery_id: int) -> list[int]:
    return build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=gallery_id)


def refreshes_library(event: Any, gone: list[int]) -> bool:
    """The action's answer: LibraryState.after_bulk with the ids to forget."""
    return "after_bulk" in str(event) and str(gone) in str(event.args)


# -- filters and the URL (the query model itself: tests/unit/test_library_query.py) -----------


def test_the_url_filters_the_library(member: Member) -> None:
    pier = active_image(member, "Pier", tags="sea", description="Old wooden pier")
    quay = active_image(member, "Quay", tags="sea")
    active_image(member, "Reef")
    gallery_id = new_gallery(member, "Coast", [quay, pier])

    assert [i.title for i in library(member, "/?tag=sea").items] == ["Quay", "Pier"]
    assert [i.title for i in library(member, "/?q=wooden").items] == ["Pier"]
    in_gallery = library(member, f"/?gallery={gallery_id}")
    assert [i.title for i in in_gallery.items] == ["Quay", "Pier"]  # the gallery's own order
    assert (in_gallery.filter_gallery, in_gallery.filtered) == (str(gallery_id), True)
    assert [(g.value, g.label) for g in in_gallery.galleries] == [(str(gallery_id), "Coast")]
    assert library(member, "/").filtered is False


def test_another_stores_gallery_in_the_url_is_ignored(
    app_settings: Settings, member: Member
) -> None:
    active_image(member, "Mine")
    theirs = new_gallery(sign_in(app_settings, store="Elsewhere"), "Theirs")

    state = library(member, f"/?gallery={theirs}")

    assert [item.title for item in state.items] == ["Mine"]
    assert state.filter_gallery == "any"


def test_inactive_images_are_listed_without_a_picture(member: Member) -> None:
    shown, hidden = active_image(member, "Shown"), active_image(member, "Hidden")
    call(BulkState.set_inactive, bulk(member), [hidden])

    assert [item.title for item in library(member).items] == ["Shown"]
    everything = library(member, "/?status=all")
    assert [(i.id, i.active) for i in everything.items] == [(hidden, False), (shown, True)]
    assert everything.items[0].picture.src == ""
    assert everything.total_label == "2 images"
    assert [i.title for i in library(member, "/?status=inactive").items] == ["Hidden"]


def test_pages_keep_the_filters_in_their_links(
    app_settings: Settings, member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_settings, "page_size", 1)
    for title in ("One", "Two", "Three"):
        active_image(member, title, tags="sea")

    state = library(member, "/?tag=sea&page=2")

    assert (state.page, state.pages, state.total) == (2, 3, 3)
    assert (state.previous_url, state.next_url) == ("/?tag=sea", "/?tag=sea&page=3")


def test_choosing_a_filter_goes_to_its_first_page(member: Member) -> None:
    state = library(member, "/?page=3")
    call(LibraryState.set_filter_text, state, "harbour boats")

    redirect = call(LibraryState.choose_status, state, "all")

    assert redirect.args[0][1].equals(Var.create("/?status=all&q=harbour+boats"))
    cleared = call(LibraryState.clear_filters, state)
    assert cleared.args[0][1].equals(Var.create("/"))
    assert (state.filter_text, state.filter_status) == ("", "active")


# -- selection ------------------------------------------------------------------------------


def test_select_all_on_this_page_keeps_other_pages_selections(member: Member) -> None:
    a, b = active_image(member, "A"), active_image(member, "B")
    state = library(member)
    state.selected = [999]  # chosen on another page

    call(LibraryState.select_page, state, True)
    assert (state.selected, state.page_selected) == ([999, b, a], True)
    call(LibraryState.toggle, state, a, False)
    assert (state.selected, state.page_selected) == ([999, b], False)
    assert state.selected_label == "2 images selected"
    call(LibraryState.select_page, state, False)
    assert state.selected == [999]

    event = call(LibraryState.after_bulk, state, [999])
    assert state.selected == []
    assert "load_page" in str(event)


def test_another_login_in_the_tab_starts_with_no_selection(
    app_settings: Settings, member: Member
) -> None:
    state = library(member)
    state.selected = [1, 2]
    state.router = make_state(LibraryState, sign_in(app_settings, "Other").cookie, "/").router

    call(LibraryState.load_page, state)

    assert state.selected == []


# -- bulk actions ---------------------------------------------------------------------------


def test_add_to_gallery_keeps_the_selection_order_and_says_so(member: Member) -> None:
    a, b, c = (active_image(member, title) for title in ("A", "B", "C"))
    gallery_id = new_gallery(member, "Summer", [c])
    state = bulk(member)
    call(BulkState.set_target_gallery, state, str(gallery_id))

    event = call(BulkState.add_to_gallery, state, [b, c, a])

    assert order(member, gallery_id) == [c, b, a]
    assert state.message == "2 images added to 'Summer'. 1 image was there already."
    assert state.message_ok is True
    assert refreshes_library(event, [])

    call(BulkState.remove_from_gallery, state, [a, c])
    assert order(member, gallery_id) == [b]
    assert state.message == "2 images taken out of 'Summer'."


def test_foreign_and_pending_ids_are_ignored_reported_and_unselected(
    app_settings: Settings, member: Member
) -> None:
    mine = active_image(member, "Mine")
    stranger = sign_in(app_settings, store="Elsewhere")
    theirs = active_image(stranger, "Theirs")
    upload = pending_of(member)
    pending = upload.image_id
    state = bulk(member)

    event = call(BulkState.set_inactive, state, [mine, theirs, pending])

    assert state.message == (
        "1 image set inactive: their files are no longer served. "
        "2 images were not in your library and left alone."
    )
    assert refreshes_library(event, [theirs, pending])
    with session_scope() as session:
        assert get_active_image(session, theirs, store_id=stranger.user.store_id) is not None
        assert get_active_image(session, mine, store_id=member.user.store_id) is None
    still = build_upload_service().get_pending(
        token=upload.upload_token, owner=member.user.upload_owner
    )
    assert still.image_id == pending


def test_add_tags_and_its_refusal(member: Member) -> None:
    a, b = active_image(member, "A"), active_image(member, "B")
    state = bulk(member)

    call(BulkState.set_tags, state, "Boats, harbour")
    call(BulkState.add_tags, state, [a, b])
    assert state.message == "Tags boats, harbour added to 2 images."
    assert [i.title for i in library(member, "/?tag=boats").items] == ["B", "A"]

    call(BulkState.set_tags, state, " , ")
    call(BulkState.add_tags, state, [a])
    assert state.message_ok is False
    assert state.message == "Enter one or more tags, separated by commas."  # as the no-JS form
    call(BulkState.set_tags, state, "x" * 60)
    call(BulkState.add_tags, state, [a])
    assert state.message_ok is False
    assert state.message.startswith("Give 1 to")


def test_nothing_selected_or_no_gallery_chosen(member: Member) -> None:
    image = active_image(member, "A")
    state = bulk(member)

    call(BulkState.set_active, state, [])
    assert (state.message, state.message_ok) == ("Select one or more images first.", False)
    call(BulkState.add_to_gallery, state, [image])
    assert state.message == "Choose a gallery first."
    call(BulkState.set_target_gallery, state, "not a number")
    assert state.target_gallery == ""


def test_delete_asks_first_and_deletes_exactly_what_it_named(member: Member) -> None:
    a, b, c = (active_image(member, title) for title in ("A", "B", "C"))
    new_gallery(member, "One", [a, b])
    new_gallery(member, "Two", [b])
    state = bulk(member)

    call(BulkState.ask_delete, state, [a, b, "junk", -1])
    assert state.delete_open is True
    assert state.delete_question == (
        "Move 2 images to the trash? They are in 2 galleries, which keep their place for "
        "them. Deleted images stay in the trash for 30 days; until then they can be restored "
        "with their galleries, place, cover and tags."
    )
    assert [i.id for i in library(member).items] == [c, b, a]  # nothing gone yet

    event = call(BulkState.confirm_delete, state)

    assert state.message == "2 images moved to the trash."
    assert state.delete_open is False
    assert refreshes_library(event, [a, b])
    assert [i.id for i in library(member).items] == [c]
    assert state.undo_count == 2  # the summary offers "Undo"


def test_undo_after_a_delete_puts_the_images_back_in_their_galleries(member: Member) -> None:
    a, b, c = (active_image(member, title) for title in ("A", "B", "C"))
    one = new_gallery(member, "One", [a, b, c])
    state = bulk(member)
    call(BulkState.ask_delete, state, [b, c])
    call(BulkState.confirm_delete, state)
    assert [i.id for i in library(member).items] == [a]
    assert build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=one) == [a]

    event = call(BulkState.undo_delete, state)

    assert state.message == "2 images restored."
    assert state.undo_count == 0  # done: no second undo
    assert refreshes_library(event, [b, c])
    assert [i.id for i in library(member).items] == [c, b, a]
    placed = build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=one)
    assert placed == [a, b, c]
    call(BulkState.undo_delete, state)  # sent again (double click): nothing happens
    assert state.message == "2 images restored."


def test_undo_restores_only_that_delete(member: Member) -> None:
    a, b = (active_image(member, title) for title in ("A", "B"))
    state = bulk(member)
    call(BulkState.ask_delete, state, [a])
    call(BulkState.confirm_delete, state)
    call(BulkState.ask_delete, state, [b])
    call(BulkState.confirm_delete, state)
    call(BulkState.undo_delete, state)
    assert state.message == "1 image restored."
    assert [i.id for i in library(member).items] == [b]  # the first delete stays in the trash


def test_a_delete_naming_no_image_of_the_store_asks_nothing(
    app_settings: Settings, member: Member
) -> None:
    theirs = active_image(sign_in(app_settings, store="Elsewhere"), "Theirs")
    state = bulk(member)

    call(BulkState.ask_delete, state, [theirs])
    assert state.delete_open is False
    assert state.message == "None of the selected images is in your library."
    call(BulkState.confirm_delete, state)  # a client sending it anyway deletes nothing
    assert state.message == "Select one or more images first."


def test_a_stranger_is_sent_to_the_login_page(app_settings: Settings) -> None:
    state = make_state(BulkState, None, "/")

    assert "/nojs/login" in str(call(BulkState.set_active, state, [1]))
    assert "/nojs/login" in str(call(BulkState.ask_delete, state, [1]))
