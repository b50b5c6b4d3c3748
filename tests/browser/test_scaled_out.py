"""The app scaled out, in Chromium: 2 web workers with their Reflex state in Redis, a fresh
PostgreSQL database, and a separate `imageapp worker` making the renditions.

The web workers share one listening socket, so the kernel picks which one takes each new
connection: a Reflex upload's request, its page's websocket and its preview may each reach
another worker. The tests check the flows work whichever worker gets what, and that both
workers served (every imageapp log line names its process).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from imageapp.db import get_engine
from imageapp.models import Rendition
from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.browser.test_upload_page import card, drop, expect_ready, open_upload_page
from tests.factories import RENDITIONS_PER_IMAGE
from tests.images import jpeg_bytes, png_bytes
from tests.support.prod_server import ProdServer
from tests.support.scaled_server import ScaledServer, scaled_server

SLOW = 30_000


@pytest.fixture(scope="module")
def scaled(
    prod_server: ProdServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScaledServer]:
    """Started after the shared server, whose built UI it reuses (no second build)."""
    with scaled_server(prod_server, tmp_path_factory.mktemp("scaled")) as server:
        yield server


def renditions_made(scaled: ScaledServer, image_id: int, timeout: float = 60) -> None:
    """Wait until the separate worker has written the image's renditions."""
    engine = get_engine(scaled.server.database_url)
    query = sa.select(sa.func.count()).where(Rendition.image_id == image_id)
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            if connection.scalar(query) == RENDITIONS_PER_IMAGE:
                break
        assert time.monotonic() < deadline, scaled.worker_log.read_text()[-3000:]
        time.sleep(0.2)
    worker_output = scaled.worker_log.read_text()
    assert f"image {image_id}: {RENDITIONS_PER_IMAGE} rendition(s) written" in worker_output


def pids_of(scaled: ScaledServer, message: str) -> list[int]:
    return [int(line["pid"]) for line in scaled.log_lines() if message in line["message"]]


def test_no_javascript_first_run_upload_and_library(
    scaled: ScaledServer, nojs_page: Page, tmp_path: Path
) -> None:
    page, base = nojs_page, scaled.server.base_url
    page.goto(base + "/nojs/images")
    expect(page).to_have_url(base + "/nojs/setup")  # a fresh database: the first run
    page.get_by_label("Store name").fill("Scaled Photos")
    page.get_by_label("Your email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create store and account").click()
    expect(page.get_by_role("status")).to_contain_text("Scaled Photos is ready")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/nojs/images")

    photo = tmp_path / "quay.jpg"
    photo.write_bytes(jpeg_bytes((1200, 800), seed=21))
    page.goto(base + "/nojs/images/upload")
    page.get_by_label("Image file").set_input_files(photo)
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("img", name="Preview of quay.jpg")).to_be_visible()
    page.get_by_label("Title").fill("The quay at noon")
    page.get_by_label("Alt text").fill("Stone quay with moored boats")
    page.get_by_role("button", name="Complete upload").click()
    expect(page).to_have_url(re.compile(r".*/nojs/images/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])

    renditions_made(scaled, image_id)
    page.goto(base + "/nojs/images")
    item = page.get_by_role("link", name=re.compile("The quay at noon"))
    expect(item).to_be_visible()
    thumb = page.locator("picture", has=page.get_by_alt_text("Stone quay with moored boats"))
    for fmt in ("avif", "webp"):  # AVIF first, then WebP
        srcset = thumb.locator(f'source[type="image/{fmt}"]').get_attribute("srcset") or ""
        assert re.search(rf"/media/{image_id}/thumb\.[0-9a-f]+\.{fmt}", srcset), srcset
    assert thumb.locator("source").first.get_attribute("type") == "image/avif"
    image = thumb.get_by_role("img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, "the thumbnail did not load"
    page.goto(f"{base}/nojs/images/{image_id}")
    expect(page.get_by_text("Web copies are being made")).to_have_count(0)


def test_reflex_upload_across_workers(
    scaled: ScaledServer, browser: Browser, tmp_path: Path
) -> None:
    """Two files at once: two upload requests, their progress and checks shown through the
    page's websocket (on whichever worker), the previews, then Complete all."""
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, scaled.server, create_user(scaled.server, store="Reflex Scaled"))
        files = {"harbour.jpg": jpeg_bytes((1200, 900), seed=31), "dune.png": png_bytes((500, 400))}
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        open_upload_page(page, scaled.server)
        drop(page, *(tmp_path / name for name in files))
        for name in files:
            expect_ready(page, name)
            card(page, name).get_by_label("Title").fill(f"Scaled {name}")
            card(page, name).get_by_label("Alt text").fill(f"A picture called {name}")
        page.get_by_role("button", name=re.compile(r"^Complete all")).click()
        saved = page.locator("#upload-saved")
        for name in files:
            expect(saved.get_by_role("link", name=f"Scaled {name}")).to_be_visible(timeout=SLOW)
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        links = saved.get_by_role("link", name=re.compile(r"^Scaled ")).all()
        image_ids = [int((link.get_attribute("href") or "").rsplit("/", 1)[1]) for link in links]
        for image_id in image_ids:
            renditions_made(scaled, image_id)

        page.goto(scaled.server.base_url + "/")
        grid = page.locator("#library-grid")
        for name in files:
            image = grid.locator(".library-item", has_text=f"Scaled {name}").get_by_role("img")
            expect(image).to_have_js_property("complete", True, timeout=SLOW)
            assert image.evaluate("img => img.naturalWidth") > 0, "the thumbnail did not load"
    finally:
        context.close()

    # The page's state is in Redis, not in a worker's memory.
    client = redis.Redis.from_url(scaled.redis_url)
    try:
        assert any(True for _key in client.scan_iter(match=f"{token}*", count=1000)), token
    finally:
        client.close()
    # Which worker received each file (step 1) and which saved it (the websocket's event).
    received, finalized = pids_of(scaled, "pending upload"), pids_of(scaled, "finalized as")
    print(f"step 1 by {received[-2:]}, step 2 by {finalized[-2:]}, workers {scaled.worker_pids()}")


def test_login_throttling_counts_across_workers(scaled: ScaledServer) -> None:
    """Failed logins arrive on new connections, so on either worker; once 5 failed, every
    worker refuses, including one that saw fewer than 5 of them itself. Runs last: the
    attempts count against the loopback address too."""
    user = create_user(scaled.server, store="Throttle Scaled")
    refused_by: Counter[int] = Counter()
    for attempt in range(30):
        with httpx.Client(base_url=scaled.server.base_url, timeout=30) as client:
            form = client.get("/nojs/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert csrf is not None
            answer = client.post(
                "/nojs/login",
                data={"csrf_token": csrf[1], "email": user.email, "password": "wrong", "next": ""},
            )
            assert answer.status_code == 303
            shown = client.get(answer.headers["location"]).text
        assert ("Too many failed attempts" in shown) == (attempt >= 5), attempt
        failed = Counter(pids_of(scaled, f"failed login for {user.email}"))
        refused_by = Counter(pids_of(scaled, f"login throttled for {user.email}"))
        if any(failed[pid] < 5 for pid in refused_by):
            break  # a worker that saw fewer than 5 failures itself refused: they are counted
    assert sum(failed.values()) == 5
    assert any(failed[pid] < 5 for pid in refused_by), (failed, refused_by)
    served = {int(line["pid"]) for line in scaled.log_lines()}
    assert served == scaled.worker_pids(), (served, scaled.worker_pids())
    assert len(served) == 2
