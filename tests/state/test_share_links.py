"""ShareLinksState (the Reflex gallery and image pages' share links) against the real
services and a SQLite file."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.factory import build_gallery_service
from imageapp.services.share_links import ShareLinkService
from imageapp.state.share_links import NEW_LINK_FIELD, ShareLinksState
from tests.state.conftest import Member, active_image, call, make_state, sign_in


def links_on(member: Member, path: str) -> ShareLinksState:
    state = make_state(ShareLinksState, member.cookie, path)
    call(ShareLinksState.load_links, state)
    return state


def test_make_list_and_turn_off_a_gallery_link(app_settings: Settings, member: Member) -> None:
    image = active_image(member, "Boat")
    galleries = build_gallery_service()
    gallery_id = galleries.create(store_id=member.user.store_id, title="Harbour")
    galleries.add_images(store_id=member.user.store_id, gallery_id=gallery_id, image_ids=[image])
    state = links_on(member, f"/galleries/{gallery_id}")
    assert state.rows == []
    call(ShareLinksState.set_expires_at, state, "2999-12-31")
    call(ShareLinksState.set_password, state, "open sesame")
    call(ShareLinksState.set_allow_download, state, True)
    event = call(ShareLinksState.create, state)
    args = {str(name): value._var_value for name, value in event.args}
    assert args["ref"] == "ref_" + NEW_LINK_FIELD.replace("-", "_")
    url = args["value"]
    assert url.startswith("http://test/s/")
    assert url not in repr(state.dict())  # the link is not kept in the state
    assert state.password == ""
    assert state.made
    [row] = state.rows
    assert row.text.startswith("until 3000-01-01 00:00 UTC, password, originals downloadable")
    service = ShareLinkService(get_engine(app_settings.database_url))
    opened = service.open(url.rsplit("/", 1)[1])
    assert opened is not None
    assert opened[0].gallery_id == gallery_id

    call(ShareLinksState.revoke, state, row.id)
    assert state.rows == []
    assert "turned off" in state.message


def test_image_links_and_refusals(app_settings: Settings, member: Member) -> None:
    image = active_image(member, "Pier")
    state = links_on(member, f"/images/{image}")
    call(ShareLinksState.set_expires_at, state, "2000-01-01")
    assert call(ShareLinksState.create, state) is None
    assert "expires_at" in state.errors
    assert state.rows == []
    # Someone of another store on the same address gets nothing made.
    stranger = links_on(sign_in(app_settings, store="Elsewhere"), f"/images/{image}")
    assert call(ShareLinksState.create, stranger) is None
    assert "no such" in stranger.message.lower()
    assert (
        ShareLinkService(get_engine(app_settings.database_url)).links_of(
            store_id=member.user.store_id, image_id=image
        )
        == []
    )
