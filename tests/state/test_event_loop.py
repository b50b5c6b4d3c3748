"""Reflex handlers never block the event loop: each one runs on a loop with blocking calls watched.

Reflex awaits async handlers and calls sync ones right on its event loop (reflex_base's
``base_state_processor``), so both kinds must leave the database, the disk and Pillow to a
thread. The secret key is read from its file here (no IMAGEAPP_SECRET_KEY), as in a default
installation: reading it is disk work too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from imageapp.config import Settings, get_settings
from imageapp.state.account import AccountState
from imageapp.state.bulk import BulkState
from imageapp.state.galleries import GalleriesState
from imageapp.state.gallery import GalleryState
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.library import LibraryState
from imageapp.state.trash import TrashState
from imageapp.state.upload import UploadState
from tests.images import jpeg_bytes
from tests.state.conftest import Member, active_image, make_state, pending_of, run, sign_in
from tests.support.loop_watch import LoopWatch, watching_the_loop


@pytest.fixture
def key_file_settings(
    app_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.delenv("IMAGEAPP_SECRET_KEY")
    monkeypatch.setenv("IMAGEAPP_SECRET_KEY_FILE", str(tmp_path / "instance" / "secret_key"))
    get_settings.cache_clear()
    settings = get_settings()
    settings.resolved_secret_key()  # created before the watch: the first run is not the point
    return settings


@pytest.fixture
def someone(key_file_settings: Settings) -> Member:
    return sign_in(key_file_settings)


def on_loop(handler: Any, state: Any, *args: Any) -> Any:
    """Run a handler as Reflex does: called on the event loop, awaited if async."""

    async def as_reflex_does() -> Any:
        result = handler.fn(state, *args)
        if asyncio.iscoroutine(result):
            return await result
        if hasattr(result, "__anext__"):
            return [item async for item in result]
        return result

    return run(as_reflex_does())


def upload_page(someone: Member) -> None:
    state = make_state(UploadState, someone.cookie, "/upload")
    on_loop(AccountState.load_user, make_state(AccountState, someone.cookie, "/upload"))
    on_loop(UploadState.load_page, state)
    info = {"ref": "0" * 32, "name": "h.jpg", "size": 50_000, "type": "image/jpeg"}
    on_loop(UploadState.files_chosen, state, [info])
    key = state.cards[-1].key
    pending = pending_of(someone, jpeg_bytes((800, 600)))  # what the tus server made of it
    on_loop(UploadState.upload_progress, state, key, {"sent": 50_000, "total": 50_000})
    on_loop(UploadState.upload_finished, state, key, {"upload_token": pending.upload_token})
    assert state.cards[-1].token, state.cards[-1]
    on_loop(UploadState.set_field, state, key, "title", "Harbour")
    on_loop(UploadState.set_field, state, key, "alt_text", "Boats at dawn")
    on_loop(UploadState.set_batch_description, state, "Summer")
    on_loop(UploadState.apply_to_all, state)
    on_loop(UploadState.complete_all, state)
    assert state.saved, state.cards
    on_loop(UploadState.files_chosen, state, [info | {"ref": "1" * 32}])
    on_loop(UploadState.cancel_card, state, state.cards[-1].key)


def library_pages(someone: Member) -> None:
    image_id = active_image(someone, "Harbour")
    library = make_state(LibraryState, someone.cookie, "/")
    on_loop(LibraryState.load_page, library)
    on_loop(LibraryState.toggle, library, image_id, True)
    bulk = make_state(BulkState, someone.cookie, "/")
    on_loop(BulkState.load_page, bulk)
    on_loop(BulkState.add_tags, bulk, [image_id])
    on_loop(BulkState.set_inactive, bulk, [image_id])
    on_loop(BulkState.ask_delete, bulk, [image_id])
    detail = make_state(ImageDetailState, someone.cookie, f"/images/{image_id}")
    on_loop(ImageDetailState.load_image, detail)
    on_loop(AccountState.log_out, make_state(AccountState, someone.cookie, "/"))


def gallery_pages(someone: Member) -> None:
    galleries = make_state(GalleriesState, someone.cookie, "/galleries")
    on_loop(GalleriesState.load_page, galleries)
    on_loop(GalleriesState.set_new_title, galleries, "Summer")
    on_loop(GalleriesState.create, galleries)
    on_loop(GalleriesState.load_page, galleries)
    gallery_id = galleries.cards[0].id
    gallery = make_state(GalleryState, someone.cookie, f"/galleries/{gallery_id}")
    on_loop(GalleryState.load_gallery, gallery)
    on_loop(GalleriesState.ask_delete, galleries, gallery_id)
    on_loop(GalleriesState.confirm_delete, galleries)


def trash_page(someone: Member) -> None:
    """A delete and its undo, then the trash: restore, and delete forever after a question."""
    first, second = active_image(someone, "Quay"), active_image(someone, "Boats")
    bulk = make_state(BulkState, someone.cookie, "/")
    on_loop(BulkState.ask_delete, bulk, [first, second])
    on_loop(BulkState.confirm_delete, bulk)
    on_loop(BulkState.undo_delete, bulk)
    on_loop(BulkState.ask_delete, bulk, [first, second])
    on_loop(BulkState.confirm_delete, bulk)
    trash = make_state(TrashState, someone.cookie, "/trash")
    on_loop(TrashState.load_page, trash)
    on_loop(TrashState.restore_one, trash, first)
    on_loop(TrashState.ask_delete_one, trash, second)
    on_loop(TrashState.confirm_delete, trash)
    on_loop(TrashState.ask_empty, trash)
    assert trash.total == 0


@pytest.mark.parametrize("pages", [upload_page, library_pages, gallery_pages, trash_page])
def test_no_handler_blocks_the_event_loop(
    someone: Member, monkeypatch: pytest.MonkeyPatch, pages: Any
) -> None:
    with watching_the_loop(monkeypatch) as watch:
        pages(someone)
    assert_nothing_blocked(watch)


def assert_nothing_blocked(watch: LoopWatch) -> None:
    assert not watch.found, (
        f"{len(watch.found)} blocking call(s) on the event loop, the first ones:\n" + watch.report()
    )
