"""TrashState (`/trash`) under pytest: the listing with when and by whom, restore one /
selected / all, delete forever after a question, the quota note, and another store's ids."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.services.factory import build_bulk_service, build_gallery_service
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.trash import TrashState
from tests.state.conftest import Member, active_image, call, make_state, sign_in


def trash(member: Member, path: str = "/trash") -> TrashState:
    state = make_state(TrashState, member.cookie, path)
    call(TrashState.load_page, state)
    return state


def deleted(member: Member, *titles: str) -> list[int]:
    ids = [active_image(member, title) for title in titles]
    build_bulk_service().delete(
        store_id=member.user.store_id, image_ids=ids, user_id=member.user.id
    )
    return ids


def test_the_page_lists_what_when_and_who_and_the_quota_note(member: Member) -> None:
    a, b = deleted(member, "Quay", "Boats")
    state = trash(member)
    assert state.loaded is True
    assert [item.id for item in state.items] == [b, a]
    assert state.items[0].title == "Boats"
    assert state.items[0].thumbnail == f"/nojs/trash/{b}/thumbnail"
    assert f"UTC by {member.user.email}" in state.items[0].deleted
    assert state.summary.startswith("2 in the trash")
    assert "stay in the trash for 30 days" in state.keeps
    assert "still count against your store's image and storage limits" in state.quota


def test_a_trashed_image_has_no_reflex_page(member: Member) -> None:
    (image,) = deleted(member, "Quay")
    state = make_state(ImageDetailState, member.cookie, f"/images/{image}")
    call(ImageDetailState.load_image, state)
    assert (state.loaded, state.found) == (True, False)


def test_restore_one_selected_and_all(member: Member) -> None:
    a, b, c, d = deleted(member, "A", "B", "C", "D")
    state = trash(member)
    call(TrashState.restore_one, state, b)
    assert state.message == "1 image restored."
    assert [item.id for item in state.items] == [d, c, a]
    call(TrashState.toggle, state, a, True)
    call(TrashState.toggle, state, c, True)
    call(TrashState.restore_selected, state)
    assert state.message == "2 images restored."
    assert state.selected == []
    call(TrashState.restore_all, state)
    assert state.message == "1 image restored."
    assert state.total == 0
    call(TrashState.restore_one, state, a)  # a stale page: nothing left to restore
    assert state.message.startswith("Nothing to restore")
    assert state.message_ok is False


def test_restore_puts_it_back_in_its_gallery(member: Member) -> None:
    a, b = active_image(member, "A"), active_image(member, "B")
    galleries = build_gallery_service()
    one = galleries.create(store_id=member.user.store_id, title="One")
    galleries.add_images(store_id=member.user.store_id, gallery_id=one, image_ids=[a, b])
    build_bulk_service().delete(store_id=member.user.store_id, image_ids=[a])
    assert galleries.image_ids(store_id=member.user.store_id, gallery_id=one) == [b]
    call(TrashState.restore_one, trash(member), a)
    assert galleries.image_ids(store_id=member.user.store_id, gallery_id=one) == [a, b]


def test_delete_forever_asks_first(member: Member) -> None:
    a, b = deleted(member, "A", "B")
    state = trash(member)
    call(TrashState.ask_delete_one, state, a)
    assert state.confirm_open is True
    assert state.confirm_question == (
        "Delete 1 image forever? Their files and all their sizes are removed; "
        "this cannot be undone."
    )
    assert [item.id for item in state.items] == [b, a]  # nothing gone yet
    call(TrashState.confirm_delete, state)
    assert state.confirm_open is False
    assert state.message == "1 image deleted forever."
    assert [item.id for item in state.items] == [b]
    call(TrashState.confirm_delete, state)  # a second click sends nothing
    assert state.message == "1 image deleted forever."


def test_emptying_the_trash_asks_and_spares_what_came_after(member: Member) -> None:
    deleted(member, "A", "B")
    state = trash(member)
    call(TrashState.ask_empty, state)
    assert state.confirm_question.startswith("Delete 2 images forever?")
    (later,) = deleted(member, "Later")  # moved to the trash while the question is open
    call(TrashState.confirm_delete, state)
    assert state.message == "2 images deleted forever."
    assert [item.id for item in state.items] == [later]


def test_another_stores_ids_are_never_acted_on(app_settings: Settings, member: Member) -> None:
    other = sign_in(app_settings, store="Elsewhere")
    (theirs,) = deleted(other, "Theirs")
    state = trash(member)
    assert state.items == []
    call(TrashState.restore_one, state, theirs)
    assert state.message.startswith("Nothing to restore")
    call(TrashState.ask_delete_one, state, theirs)
    assert state.confirm_open is False
    call(TrashState.confirm_delete, state)
    assert [item.id for item in trash(other).items] == [theirs]


def test_a_stranger_is_sent_to_the_login_page(app_settings: Settings) -> None:
    state = make_state(TrashState, None, "/trash")
    assert "/nojs/login" in str(call(TrashState.load_page, state))
    assert "/nojs/login" in str(call(TrashState.restore_all, state))


def test_one_image_deleted_from_its_page_can_be_undone_there(member: Member) -> None:
    image = active_image(member, "Quay")
    state = make_state(ImageDetailState, member.cookie, f"/images/{image}")
    call(ImageDetailState.load_image, state)
    call(ImageDetailState.ask_delete, state)
    assert state.delete_open is True
    assert state.delete_question.startswith("Move 1 image to the trash? It is in no gallery.")
    call(ImageDetailState.confirm_delete, state)
    assert (state.found, state.trashed_message) == (False, "1 image moved to the trash.")
    assert [item.id for item in trash(member).items] == [image]
    call(ImageDetailState.undo_delete, state)
    assert (state.found, state.image.id, state.trashed_message) == (True, image, "")
    assert trash(member).items == []
