"""The upload page's optional "Add to gallery": each card's choice reaches finalize."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.services.errors import GalleryUnavailable
from imageapp.services.factory import build_gallery_service
from imageapp.state import upload_cards as cards_
from imageapp.state.upload import UploadState
from tests.images import jpeg_bytes
from tests.state.conftest import Member, call, sign_in
from tests.state.test_upload import REF, card_of, state_of, upload


def new_gallery(member: Member, title: str) -> int:
    return build_gallery_service().create(store_id=member.user.store_id, title=title)


def describe(state: UploadState, key: str, title: str) -> None:
    call(UploadState.set_field, state, key, "title", title)
    call(UploadState.set_field, state, key, "alt_text", f"A photo: {title}")


def order(member: Member, gallery_id: int) -> list[int]:
    return build_gallery_service().image_ids(store_id=member.user.store_id, gallery_id=gallery_id)


def test_the_page_offers_the_stores_galleries(app_settings: Settings, member: Member) -> None:
    summer = new_gallery(member, "Summer")
    new_gallery(sign_in(app_settings, store="Elsewhere"), "Not ours")

    state = state_of(member)

    assert [(choice.value, choice.label) for choice in state.galleries] == [(str(summer), "Summer")]


def test_completed_cards_go_into_their_chosen_gallery(member: Member) -> None:
    summer, winter = new_gallery(member, "Summer"), new_gallery(member, "Winter")
    state = state_of(member)
    first = upload(state, jpeg_bytes(seed=1), "a.jpg")
    second = upload(state, jpeg_bytes(seed=2), "b.jpg")
    third = upload(state, jpeg_bytes(seed=3), "c.jpg")
    for card, title in ((first, "Harbour"), (second, "Meadow"), (third, "Summit")):
        describe(state, card.key, title)
    call(UploadState.set_batch_gallery, state, str(summer))
    call(UploadState.apply_to_all, state)
    call(UploadState.set_gallery, state, second.key, str(winter))
    call(UploadState.set_gallery, state, third.key, cards_.NO_GALLERY)

    call(UploadState.complete_all, state)

    saved = {image.title: image.id for image in state.saved}
    assert state.cards == []
    assert order(member, summer) == [saved["Harbour"]]
    assert order(member, winter) == [saved["Meadow"]]


def test_a_gallery_gone_or_not_ours_is_a_field_error_and_the_upload_stays(
    app_settings: Settings, member: Member
) -> None:
    theirs = new_gallery(sign_in(app_settings, store="Elsewhere"), "Theirs")
    state = state_of(member)
    card = upload(state, jpeg_bytes(), "a.jpg")
    describe(state, card.key, "Harbour")
    call(UploadState.set_gallery, state, card.key, str(theirs))

    call(UploadState.complete_card, state, card.key)

    left = card_of(state, card.key)
    assert left.status == cards_.READY
    assert left.errors == {"gallery_id": GalleryUnavailable.MESSAGE}
    call(UploadState.set_gallery, state, card.key, "junk")
    assert (card_of(state, card.key).gallery, card_of(state, card.key).errors) == (
        cards_.NO_GALLERY,
        {},
    )
    call(UploadState.complete_card, state, card.key)
    assert state.cards == []


def test_replacing_the_file_keeps_the_chosen_gallery(member: Member) -> None:
    summer = new_gallery(member, "Summer")
    state = state_of(member)
    card = upload(state, jpeg_bytes(), "a.jpg")
    call(UploadState.set_gallery, state, card.key, str(summer))

    call(UploadState.replace_card, state, card.key, [{"ref": REF, "name": "b.png", "size": 9}])

    assert state.cards[0].gallery == str(summer)
