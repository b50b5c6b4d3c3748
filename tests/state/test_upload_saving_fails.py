"""Complete on the upload page when saving cannot succeed: every card ends in a state a person
can act on (never "Saving…" for good), with the reason, and the uploads stay pending."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.factory import build_gallery_service, build_upload_service
from imageapp.state import upload_cards as cards_
from imageapp.state.library import read_library_page
from imageapp.state.upload import SAVE_INTERRUPTED, UploadState
from imageapp.state.upload_cards import UploadCard
from imageapp.state.upload_jobs import SAVE_FAILED
from tests.images import jpeg_bytes
from tests.state.conftest import Member, call, run
from tests.state.test_upload import card_of, pending_tokens, state_of, upload
from tests.state.test_upload_gallery import describe, new_gallery
from tests.support.races import on_first_write

GONE = "The gallery 'Summer' no longer exists; choose another."


@contextmanager
def gallery_deleted_while_saving(member: Member, gallery_id: int) -> Iterator[list[str]]:
    """The gallery goes (as if a colleague deleted it) the moment finalize starts writing."""

    def delete() -> None:
        build_gallery_service().delete(store_id=member.user.store_id, gallery_id=gallery_id)

    with on_first_write(get_engine(), ("image", "gallery", "gallery_image"), delete) as fired:
        yield fired
    assert fired, "finalize never wrote"


def ready_cards(member: Member, count: int, gallery: int) -> tuple[UploadState, list[UploadCard]]:
    state = state_of(member)
    cards = [upload(state, jpeg_bytes(seed=n), f"{n}.jpg") for n in range(count)]
    for card, title in zip(cards, ("Harbour", "Meadow"), strict=False):
        describe(state, card.key, title)
        call(UploadState.set_gallery, state, card.key, str(gallery))
    return state, cards


def assert_actionable(state: UploadState, cards: list[UploadCard], errors: dict[str, str]) -> None:
    """Every card is back to its form (not busy) with what was typed and chosen."""
    assert state.busy_count == 0
    for card, title in zip(cards, ("Harbour", "Meadow"), strict=False):
        left = card_of(state, card.key)
        assert (left.status, left.errors, left.title) == (cards_.READY, errors, title)
        assert left.gallery != cards_.NO_GALLERY  # the choice is kept, so its error is seen


def assert_pending(member: Member, cards: list[UploadCard]) -> None:
    assert sorted(pending_tokens(member)) == sorted(card.token for card in cards)


def test_a_gallery_deleted_while_saving_is_named_on_the_card(member: Member) -> None:
    summer = new_gallery(member, "Summer")
    state, cards = ready_cards(member, 1, summer)

    with gallery_deleted_while_saving(member, summer):
        call(UploadState.complete_card, state, cards[0].key)

    assert_actionable(state, cards, {"gallery_id": GONE})
    assert_pending(member, cards)
    assert state.galleries == []  # the select no longer offers it
    owner = member.user.upload_owner
    assert build_upload_service().draft_of(token=cards[0].token, owner=owner)["title"] == "Harbour"
    assert read_library_page(1, member.user.store_id).items == []

    call(UploadState.set_gallery, state, cards[0].key, cards_.NO_GALLERY)
    call(UploadState.complete_card, state, cards[0].key)
    assert state.cards == []
    assert [image.title for image in state.saved] == ["Harbour"]


def test_complete_all_with_the_gallery_deleted_meanwhile_leaves_every_card_actionable(
    member: Member,
) -> None:
    summer = new_gallery(member, "Summer")
    state, cards = ready_cards(member, 2, summer)
    call(UploadState.set_batch_gallery, state, str(summer))

    with gallery_deleted_while_saving(member, summer):
        call(UploadState.complete_all, state)

    assert_actionable(state, cards, {"gallery_id": GONE})
    assert_pending(member, cards)
    assert state.batch_gallery == cards_.NO_GALLERY
    assert read_library_page(1, member.user.store_id).items == []


class Breakage:
    """A real fault, not a typed refusal, and how to repair it afterwards."""

    def __init__(self, settings: Settings, kind: str) -> None:
        self.images = settings.storage_dir / "images"
        self.kind = kind

    def apply(self) -> None:
        if self.kind == "storage":  # the upload service cannot even be set up
            shutil.rmtree(self.images)
            self.images.write_bytes(b"not a folder")
        else:  # the database fails in the middle of finalize's transaction
            self._execute("ALTER TABLE image_tag RENAME TO image_tag_elsewhere")

    def repair(self) -> None:
        if self.kind == "storage":
            self.images.unlink()
            self.images.mkdir()
        else:
            self._execute("ALTER TABLE image_tag_elsewhere RENAME TO image_tag")

    @staticmethod
    def _execute(statement: str) -> None:
        with get_engine().begin() as connection:
            connection.execute(sa.text(statement))


@pytest.mark.parametrize(("kind", "error"), [("storage", OSError), ("database", sa.exc.DBAPIError)])
def test_an_unexpected_failure_ends_every_card_in_an_error_it_can_act_on(
    app_settings: Settings,
    member: Member,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    error: type[Exception],
) -> None:
    summer = new_gallery(member, "Summer")
    state, cards = ready_cards(member, 2, summer)
    breakage = Breakage(app_settings, kind)
    breakage.apply()

    with caplog.at_level(logging.ERROR):
        call(UploadState.complete_all, state)

    assert_actionable(state, cards, {})
    assert [card.message for card in state.cards] == [SAVE_FAILED, SAVE_FAILED]
    logged = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert len(logged) == 2
    assert all(isinstance(exc, error) for exc in logged), logged
    breakage.repair()
    assert_pending(member, cards)
    assert list((app_settings.storage_dir / "images").iterdir()) == []  # nothing half-written

    call(UploadState.complete_all, state)
    assert state.cards == []
    assert sorted(image.title for image in state.saved) == ["Harbour", "Meadow"]


def test_a_save_cancelled_midway_does_not_leave_the_card_busy(member: Member) -> None:
    """The page's job is cancelled (the tab went away, the server stops) while finalize runs:
    the card is not left on "Saving…", and Complete again gives the one image."""
    summer = new_gallery(member, "Summer")
    state, (card,) = ready_cards(member, 1, summer)

    async def cancelled() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(UploadState.complete_card.fn(state, card.key))
        with (
            on_first_write(
                get_engine(), ("image",), lambda: loop.call_soon_threadsafe(task.cancel)
            ),
            pytest.raises(asyncio.CancelledError),
        ):
            await task

    run(cancelled())

    left = card_of(state, card.key)
    assert (left.status, left.message) == (cards_.READY, SAVE_INTERRUPTED)
    assert state.busy_count == 0
    call(UploadState.complete_card, state, card.key)
    assert state.cards == []
    assert len(read_library_page(1, member.user.store_id).items) == 1
