"""ImageDetailState.load_image: one image of the store, or "not found" for anything else."""

from __future__ import annotations

import pytest

from imageapp.config import Settings
from imageapp.state.image_detail import ImageDetailState, image_id_in
from tests.state.conftest import Member, active_image, call, make_state, pending_of, sign_in


def opened(member: Member | None, path: str) -> ImageDetailState:
    state = make_state(ImageDetailState, member.cookie if member else None, path)
    call(ImageDetailState.load_image, state)
    return state


def test_the_page_shows_the_image_and_its_metadata(member: Member) -> None:
    image_id = active_image(member, "Harbour", description="Boats at dawn", tags="sea, boats")

    state = opened(member, f"/images/{image_id}")

    assert (state.loaded, state.found) == (True, True)
    image = state.image
    assert (image.id, image.title, image.alt_text) == (image_id, "Harbour", "A photo: Harbour")
    assert (image.description, image.tags) == ("Boats at dawn", ["boats", "sea"])
    assert image.dimensions == "64 × 48 pixels"  # noqa: RUF001
    assert image.file_type == "JPEG"
    assert image.original_url == f"/media/{image_id}"
    assert image.picture.src.startswith(f"/media/{image_id}/")


def test_pending_unknown_and_other_stores_images_are_not_found(
    app_settings: Settings, member: Member
) -> None:
    pending = pending_of(member)
    theirs = active_image(sign_in(app_settings, store="Another Store"), "Theirs")

    for path in (f"/images/{pending.image_id}", "/images/999999", f"/images/{theirs}"):
        state = opened(member, path)
        assert (state.loaded, state.found) == (True, False), path
        assert state.image.title == ""


def test_a_stranger_is_sent_to_the_login_page(member: Member) -> None:
    image_id = active_image(member, "Private")

    state = make_state(ImageDetailState, None, f"/images/{image_id}")
    events = call(ImageDetailState.load_image, state)

    assert f"/nojs/login?next=/images/{image_id}" in str(events)
    assert state.image.title == ""


@pytest.mark.parametrize(
    ("path", "image_id"),
    [("/images/12", 12), ("/images/12/", 12), ("/images/x", None), ("/images/", None)],
)
def test_the_id_is_read_from_the_path(path: str, image_id: int | None) -> None:
    assert image_id_in(path) == image_id
