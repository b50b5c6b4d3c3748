"""LibraryState.load_page: what the library page shows, read from a real database."""

from __future__ import annotations

import pytest

from imageapp.config import Settings
from imageapp.state.library import LibraryState
from tests.state.conftest import Member, active_image, call, make_state, sign_in


def loaded_state(member: Member, path: str = "/") -> LibraryState:
    """A fresh state after its on_load handler ran (as opening `/` does)."""
    state = make_state(LibraryState, member.cookie, path)
    call(LibraryState.load_page, state)
    return state


def test_empty_library_is_loaded_with_nothing_to_show(member: Member) -> None:
    state = loaded_state(member)

    assert state.loaded is True
    assert state.items == []
    assert (state.total, state.page, state.pages) == (0, 1, 1)


def test_a_stranger_is_sent_to_the_login_page(app_settings: Settings) -> None:
    state = make_state(LibraryState, None, "/?page=2")

    redirect = call(LibraryState.load_page, state)

    assert "/nojs/login?next=/%3Fpage%3D2" in str(redirect)
    assert state.loaded is False


def test_active_images_of_the_store_become_newest_first_items(
    app_settings: Settings, member: Member
) -> None:
    ids = [active_image(member, title) for title in ("First", "Second")]
    active_image(sign_in(app_settings, store="Another Store"), "Not ours")

    state = loaded_state(member)

    assert [(item.id, item.title, item.alt_text) for item in state.items] == [
        (ids[1], "Second", "A photo: Second"),
        (ids[0], "First", "A photo: First"),
    ]
    assert [item.url for item in state.items] == [f"/images/{ids[1]}", f"/images/{ids[0]}"]
    assert state.total == 2


def test_thumbnails_come_from_the_renditions(member: Member) -> None:
    image_id = active_image(member, "Thumb")

    (item,) = loaded_state(member).items

    assert item.picture.src.startswith(f"/media/{image_id}/thumb.")
    assert [source.mime_type for source in item.picture.sources] == [
        "image/avif",
        "image/webp",
        "image/jpeg",
    ]


def test_the_page_in_the_url_is_read(
    app_settings: Settings, member: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_settings, "page_size", 1)
    for title in ("One", "Two", "Three"):
        active_image(member, title)

    state = loaded_state(member, "/?page=2")

    assert [item.title for item in state.items] == ["Two"]
    assert (state.page, state.pages) == (2, 3)
