"""LibraryState.load_page: what the library page shows, read from a real database."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from imageapp.config import Settings
from imageapp.services.factory import build_upload_service
from imageapp.state.library import LibraryItem, LibraryState
from tests.conftest import configure_settings
from tests.factories import metadata, pending_upload


@pytest.fixture
def app_settings(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """get_settings() points at an empty, migrated SQLite file (what the handler reads)."""
    return configure_settings(tmp_path, sqlite_url, monkeypatch)


def loaded_state() -> LibraryState:
    """A fresh state after its on_load handler ran (as opening `/` does)."""
    state = LibraryState(_reflex_internal_init=True)  # type: ignore[call-arg]
    handler = LibraryState.load_page.fn(state)  # type: ignore[attr-defined]
    # Own thread and loop: Playwright's sync API keeps a loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, handler).result()
    return state


def test_empty_library_is_loaded_with_nothing_to_show(app_settings: Settings) -> None:
    state = loaded_state()

    assert state.loaded is True
    assert state.items == []
    assert (state.total, state.page, state.pages) == (0, 1, 1)


def test_active_images_become_newest_first_items(app_settings: Settings) -> None:
    uploads = build_upload_service(app_settings)
    ids = []
    for title in ("First", "Second"):
        pending = pending_upload(uploads)
        ids.append(
            uploads.finalize(
                token=pending.upload_token, owner="session-1", metadata=metadata(title)
            )
        )

    state = loaded_state()

    assert state.items == [
        LibraryItem(id=ids[1], title="Second", alt_text="A photo: Second"),
        LibraryItem(id=ids[0], title="First", alt_text="A photo: First"),
    ]
    assert state.total == 2
