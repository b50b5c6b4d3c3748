"""A Reflex event's round trip stays quick while 8 no-JS uploads of 8 MB stream in (issue 18).

Both UIs share one event loop per worker: if the upload route parsed, hashed, wrote or decoded
on it, every Reflex event would wait behind that work. Timed in Chromium (bench/reflex_events.py):
typing into a field of the upload page, one character per event, each waiting for its reply.

The machine is shared and noisy, so the loaded measurement gets up to ATTEMPTS tries and one
meeting the target passes; blocking code fails every try (it was 772 ms p95 before). The
deterministic guard is tests/http/test_event_loop.py (no timing involved).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.images import jpeg_of_about
from bench.reflex_events import RECORD_FRAMES, RoundTrips, round_trips, uploads_streaming
from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.images import jpeg_bytes
from tests.support.prod_server import ProdServer

TARGET_P95_MS = 150
UPLOADS = 8
QUIET_SAMPLES = 20
LOADED_SAMPLES = 40
ATTEMPTS = 3
SLOW = 30_000


@pytest.fixture(scope="module")
def eight_mb_jpeg(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = jpeg_of_about(tmp_path_factory.mktemp("load") / "8mb.jpg", 8, seed=18)
    return path.read_bytes()


def test_reflex_events_stay_quick_while_uploads_stream(
    prod_server: ProdServer, page: Page, eight_mb_jpeg: bytes, tmp_path: Path
) -> None:
    assert len(eight_mb_jpeg) > 7 * 1024 * 1024
    user = create_user(prod_server, store=f"Store {uuid.uuid4().hex[:8]}")
    page.add_init_script(RECORD_FRAMES)
    log_in(page, prod_server, user)
    field = open_a_card(page, prod_server, tmp_path)
    quiet = round_trips(page, field, QUIET_SAMPLES)

    attempts: list[tuple[RoundTrips, int]] = []
    for _ in range(ATTEMPTS):
        with uploads_streaming(
            prod_server.base_url, user.email, PASSWORD, eight_mb_jpeg, UPLOADS
        ) as load:
            loaded = round_trips(page, field, LOADED_SAMPLES)
            finished = load.completed
        assert not load.errors, load.errors
        assert finished >= 1, "no upload finished while the events were timed: no load at all"
        attempts.append((loaded, finished))
        if loaded.p95 < TARGET_P95_MS:
            break
    report = "; ".join(f"{trips} ({done} uploads done meanwhile)" for trips, done in attempts)
    print(f"Reflex event round trip, quiet: {quiet}; while {UPLOADS} uploads streamed: {report}")
    assert min(trips.p95 for trips, _ in attempts) < TARGET_P95_MS, (
        f"Reflex event round trip p95 >= {TARGET_P95_MS} ms while {UPLOADS} uploads of 8 MB "
        f"streamed in, every attempt: {report}. Quiet machine just before: {quiet}."
    )


def open_a_card(page: Page, server: ProdServer, directory: Path) -> Locator:
    """The upload page with one uploaded card, so the batch fields are on it."""
    page.goto(server.base_url + "/upload")
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)
    small = directory / "harbour.jpg"
    small.write_bytes(jpeg_bytes((800, 600), seed=3))
    page.locator("#image-drop input[type=file]").set_input_files([str(small)])
    field = page.locator("#batch-description")
    expect(field).to_be_visible(timeout=SLOW)
    expect(page.locator('.upload-card[data-filename="harbour.jpg"] .upload-preview')).to_be_visible(
        timeout=SLOW
    )
    field.click()
    return field
