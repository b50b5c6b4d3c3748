"""GalleriesState and GalleryState against the real gallery service and a SQLite file."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.services.factory import build_bulk_service, build_gallery_service
from imageapp.state.galleries import GalleriesState
from imageapp.state.gallery import GalleryState
from tests.state.conftest import Member, active_image, call, make_state, sign_in


def galleries_page(member: Member) -> GalleriesState:
    state = make_state(GalleriesState, member.cookie, "/galleries")
    call(GalleriesState.load_page, state)
    return state


def gallery_page(member: Member, gallery_id: int, query: str = "") -> GalleryState:
    state = make_state(GalleryState, member.cookie, f"/galleries/{gallery_id}{query}")
    call(GalleryState.load_gallery, state)
    return state


def new_gallery(member: Member, title: str, image_ids: list[int] | None = None) -> int:
    galleries = build_gallery_service()
    gallery_id = galleries.create(store_id=member.user.store_id, title=title)
    galleries.add_images(
        store_id=member.user.store_id, gallery_id=gallery_id, image_ids=image_ids or []
    )
    return gallery_id


def order(member: Member, gallery_id: int) -> list[int]:
    return build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=gallery_id)


def titles(state: GalleryState) -> list[str]:
    return [entry.title for entry in state.gallery.images]


# -- the galleries page -------------------------------------------------------------------


def test_cards_show_cover_and_count_of_the_stores_galleries_only(
    app_settings: Settings, member: Member
) -> None:
    first, second = active_image(member, "First"), active_image(member, "Second")
    summer = new_gallery(member, "Summer", [first, second])
    build_gallery_service().set_featured(
        store_id=member.user.store_id, gallery_id=summer, image_id=second
    )
    new_gallery(member, "Empty")
    new_gallery(sign_in(app_settings, store="Elsewhere"), "Not ours")

    state = galleries_page(member)

    assert [(c.title, c.count_label, c.has_cover) for c in state.cards] == [
        ("Empty", "0 images", False),
        ("Summer", "2 images", True),
    ]
    assert state.cards[1].cover.src.startswith(f"/media/{second}/thumb.")
    assert state.cards[1].url == f"/galleries/{summer}"


def test_an_inactive_cover_gives_way_to_the_next_image(member: Member) -> None:
    first, second = active_image(member, "First"), active_image(member, "Second")
    new_gallery(member, "Summer", [first, second])
    build_bulk_service().set_status(
        store_id=member.user.store_id, image_ids=[first], status="inactive"
    )

    (card,) = galleries_page(member).cards

    assert card.cover.src.startswith(f"/media/{second}/")


def test_create_edit_and_delete(member: Member) -> None:
    state = galleries_page(member)
    call(GalleriesState.set_new_title, state, "  Summer   2025 ")
    call(GalleriesState.create, state)
    assert state.message == "Gallery 'Summer 2025' created. Add images to it from the library."
    assert (state.new_title, state.create_errors) == ("", {})
    call(GalleriesState.load_page, state)
    (card,) = state.cards

    call(GalleriesState.open_edit, state, card.id)
    assert (state.edit_open, state.edit_title) == (True, "Summer 2025")
    call(GalleriesState.set_edit_title, state, "Summer by the sea")
    call(GalleriesState.set_edit_description, state, "Holidays")
    call(GalleriesState.save_edit, state)
    summary = build_gallery_service().get(store_id=member.user.store_id, gallery_id=card.id)
    assert (summary.title, summary.description, summary.slug) == (
        "Summer by the sea",
        "Holidays",
        "summer-2025",
    )
    assert state.edit_open is False
    assert state.message == "Gallery 'Summer by the sea' saved."

    call(GalleriesState.load_page, state)
    call(GalleriesState.ask_delete, state, card.id)
    assert state.delete_open is True
    assert state.delete_question == (
        "Delete the gallery 'Summer by the sea'? It holds no images; only the gallery goes. "
        "Deleting a gallery is final: it does not go to the trash and cannot be restored."
    )
    call(GalleriesState.confirm_delete, state)
    assert build_gallery_service().summaries(store_id=member.user.store_id) == []
    assert state.message == "Gallery 'Summer by the sea' deleted."


def test_invalid_titles_come_back_as_field_errors(member: Member) -> None:
    state = galleries_page(member)
    call(GalleriesState.create, state)
    assert state.create_errors == {"title": "Enter a title for the gallery."}

    gallery_id = new_gallery(member, "Summer")
    call(GalleriesState.load_page, state)
    call(GalleriesState.open_edit, state, gallery_id)
    call(GalleriesState.set_edit_title, state, "x" * 300)
    call(GalleriesState.save_edit, state)
    assert "title" in state.edit_errors
    assert state.edit_open is True


def test_a_crafted_id_cannot_touch_another_stores_gallery(
    app_settings: Settings, member: Member
) -> None:
    stranger = sign_in(app_settings, store="Elsewhere")
    theirs = new_gallery(stranger, "Theirs")
    state = galleries_page(member)
    state.delete_id = state.edit_id = theirs  # as a tampered client might send

    call(GalleriesState.confirm_delete, state)
    call(GalleriesState.set_edit_title, state, "Mine now")
    call(GalleriesState.save_edit, state)

    assert state.message == "That gallery is not there any more."
    assert build_gallery_service().get(
        store_id=stranger.user.store_id, gallery_id=theirs
    ).title == ("Theirs")


def test_a_stranger_is_sent_to_the_login_page(app_settings: Settings) -> None:
    state = make_state(GalleriesState, None, "/galleries")

    assert "/nojs/login?next=/galleries" in str(call(GalleriesState.load_page, state))
    assert "/nojs/login" in str(call(GalleriesState.create, state))


# -- one gallery's page -------------------------------------------------------------------


def test_the_page_shows_the_gallery_in_order_with_inactive_images_as_placeholders(
    member: Member,
) -> None:
    ids = [active_image(member, title) for title in ("A", "B", "C")]
    gallery_id = new_gallery(member, "Summer", [ids[2], ids[0], ids[1]])
    build_bulk_service().set_status(
        store_id=member.user.store_id, image_ids=[ids[0]], status="inactive"
    )

    state = gallery_page(member, gallery_id)

    assert (state.loaded, state.found, state.gallery.title, state.gallery.count) == (
        True,
        True,
        "Summer",
        3,
    )
    assert titles(state) == ["C", "A", "B"]
    assert [entry.position for entry in state.gallery.images] == [1, 2, 3]
    c, a, _b = state.gallery.images
    assert (a.active, a.picture.src, a.picture.sources) == (False, "", [])
    assert c.active
    assert c.is_cover
    assert c.picture.src.startswith(f"/media/{ids[2]}/thumb.")
    assert state.gallery.library_url == f"/?gallery={gallery_id}"


def test_move_buttons_and_drop_change_the_stored_order(member: Member) -> None:
    a, b, c = (active_image(member, title) for title in ("A", "B", "C"))
    gallery_id = new_gallery(member, "Summer", [a, b, c])
    state = gallery_page(member, gallery_id)

    focus = call(GalleryState.move, state, c, -1)
    assert order(member, gallery_id) == [a, c, b]
    assert titles(state) == ["A", "C", "B"]
    assert state.message == "Moved 'C' to position 2 of 3."
    assert f"move-up-{c}" in str(focus)

    assert call(GalleryState.move, state, a, -1) is None  # already first: nothing happens
    assert order(member, gallery_id) == [a, c, b]

    call(GalleryState.drop, state, {"image_id": a, "target_id": b, "after": True})
    assert order(member, gallery_id) == [c, b, a]
    assert titles(state) == ["C", "B", "A"]
    call(GalleryState.drop, state, {"image_id": a, "target_id": c, "after": False})
    assert order(member, gallery_id) == [a, c, b]


def test_drops_with_bad_values_are_ignored(member: Member) -> None:
    a, b = active_image(member, "A"), active_image(member, "B")
    gallery_id = new_gallery(member, "Summer", [a, b])
    state = gallery_page(member, gallery_id)

    for dropped in ({}, {"image_id": "1", "target_id": b}, {"image_id": a, "target_id": None}):
        call(GalleryState.drop, state, dropped)

    assert order(member, gallery_id) == [a, b]


def test_make_cover_and_remove(member: Member) -> None:
    a, b = active_image(member, "A"), active_image(member, "B")
    gallery_id = new_gallery(member, "Summer", [a, b])
    state = gallery_page(member, gallery_id)

    call(GalleryState.make_cover, state, b)
    assert [entry.is_cover for entry in state.gallery.images] == [False, True]
    assert state.message == "'B' is now the cover of 'Summer'."

    call(GalleryState.remove, state, a)
    assert order(member, gallery_id) == [b]
    assert titles(state) == ["B"]
    assert state.message == "'A' was taken out of 'Summer'; it stays in your library."


def test_another_stores_gallery_is_not_found_and_cannot_be_changed(
    app_settings: Settings, member: Member
) -> None:
    stranger = sign_in(app_settings, store="Elsewhere")
    a, b = active_image(stranger, "A"), active_image(stranger, "B")
    theirs = new_gallery(stranger, "Theirs", [a, b])

    state = gallery_page(member, theirs)
    assert (state.loaded, state.found) == (True, False)
    state.gallery = state.gallery.__class__(id=theirs)  # as a tampered client might have it
    call(GalleryState.move, state, b, -1)
    call(GalleryState.remove, state, a)

    assert order(stranger, theirs) == [a, b]
    assert state.message == "That gallery is not there any more."


def test_unknown_addresses_are_not_found(member: Member) -> None:
    state = make_state(GalleryState, member.cookie, "/galleries/not-a-number")
    call(GalleryState.load_gallery, state)

    assert (state.loaded, state.found) == (True, False)
