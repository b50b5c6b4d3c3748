"""The Reflex upload page in Chromium against the real `make run` production build.

Each test saves a screenshot of every step in its tmp dir (``NN-step.png``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.accounts import create_user, log_in
from tests.browser.keyboard import file_chooser_from_key
from tests.images import jpeg_bytes, png_bytes
from tests.support.prod_server import ProdServer

NOT_AN_IMAGE = "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."
# Uploads, checks and finalizing (renditions included) may take a moment on a busy machine.
SLOW = 30_000


@pytest.fixture
def member(prod_server: ProdServer, page: Page) -> Page:
    """A JavaScript-on browser, logged in as a fresh user of a store of their own."""
    log_in(page, prod_server, create_user(prod_server, store=f"Store {uuid.uuid4().hex[:8]}"))
    return page


def write_files(directory: Path) -> dict[str, Path]:
    """Two real images and one text file dressed up as a JPEG."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "harbour.jpg": jpeg_bytes((1200, 900), seed=11),
        "meadow.png": png_bytes((400, 300), seed=12),
        "notes.jpg": b"Shopping list: bread, milk, eggs.\n" * 40,
    }
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return {name: directory / name for name in files}


def screenshots(page: Page, directory: Path) -> Callable[[str], None]:
    counter = iter(range(1, 100))

    def shoot(step: str) -> None:
        page.screenshot(path=directory / f"{next(counter):02d}-{step}.png", full_page=True)

    return shoot


def open_upload_page(page: Page, server: ProdServer) -> None:
    page.goto(server.base_url + "/upload")
    expect(page).to_have_title("Upload images · imageapp")
    # Loaded (the pending uploads were looked up) and connected: the drop zone works now.
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)


def drop(page: Page, *files: Path) -> None:
    page.locator("#image-drop input[type=file]").set_input_files([str(path) for path in files])


def card(page: Page, filename: str) -> Locator:
    return page.locator(f'.upload-card[data-filename="{filename}"]')


def expect_ready(page: Page, filename: str) -> None:
    expect(card(page, filename).locator(".upload-preview")).to_be_visible(timeout=SLOW)
    preview = card(page, filename).locator(".upload-preview")
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") > 0, "the preview did not load"


def test_drop_three_describe_in_one_pass_and_find_them_in_the_library(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    shoot = screenshots(page, tmp_path)
    files = write_files(tmp_path / "files")
    tag = f"trip{uuid.uuid4().hex[:6]}"
    titles = {"harbour.jpg": f"Harbour {tag}", "meadow.png": f"Meadow {tag}"}
    open_upload_page(page, prod_server)
    expect(page.locator("#upload-empty")).to_be_visible()
    shoot("empty")

    drop(page, *files.values())

    expect(page.locator(".upload-card")).to_have_count(3)
    for name in titles:
        expect_ready(page, name)
        progress = card(page, name).get_by_role("progressbar")
        expect(progress).to_have_attribute("aria-valuenow", "100")
        expect(progress).to_have_attribute("data-state", "complete")
    expect(card(page, "notes.jpg").locator(".upload-error")).to_have_text(NOT_AN_IMAGE)
    expect(card(page, "notes.jpg").locator(".upload-preview")).to_have_count(0)
    shoot("dropped")

    # Only the harbour gets its own title and alt text: Complete all must stop at the meadow.
    harbour = card(page, "harbour.jpg")
    harbour.get_by_label("Title").fill(titles["harbour.jpg"])
    harbour.get_by_label("Alt text").fill("Fishing boats moored at dawn")
    card(page, "meadow.png").get_by_label("Title").fill(titles["meadow.png"])
    page.get_by_label("Description for all").fill("Summer holiday on the coast")
    page.get_by_label("Tags for all").fill(f"{tag}, holiday")
    page.get_by_role("button", name="Apply to all").click()
    for name in titles:
        expect(card(page, name).get_by_label("Description")).to_have_value(
            "Summer holiday on the coast"
        )
        expect(card(page, name).get_by_label("Tags")).to_have_value(f"{tag}, holiday")
    shoot("described")

    page.get_by_role("button", name=re.compile(r"^Complete all")).click()

    saved = page.locator("#upload-saved")
    expect(saved.get_by_role("link", name=titles["harbour.jpg"])).to_be_visible(timeout=SLOW)
    meadow = card(page, "meadow.png")
    expect(meadow.locator(".field-error")).to_have_text(
        "Describe the image for people who cannot see it (alt text)."
    )
    expect(meadow.get_by_label("Alt text")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".upload-card")).to_have_count(2)  # the meadow and the refused file
    shoot("one-saved-one-invalid")

    meadow.get_by_label("Alt text").fill("Wild flowers in tall grass")
    page.get_by_role("button", name=re.compile(r"^Complete all")).click()
    expect(saved.get_by_role("link", name=titles["meadow.png"])).to_be_visible(timeout=SLOW)
    expect(page.locator(".upload-card")).to_have_count(1)
    shoot("both-saved")

    saved.get_by_role("link", name="Open the library").click()
    expect(page).to_have_url(prod_server.base_url + "/")
    grid = page.locator("#library-grid")
    for title in titles.values():
        expect(grid.get_by_role("heading", name=title)).to_be_visible()
        image = grid.locator(".library-item", has_text=title).get_by_role("img")
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, "the thumbnail did not load"
    shoot("library")

    grid.get_by_role("heading", name=titles["harbour.jpg"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles["harbour.jpg"])
    detail = page.locator("#image-detail")
    expect(detail.get_by_text("Summer holiday on the coast")).to_be_visible()
    expect(detail.get_by_text("holiday", exact=True)).to_be_visible()
    picture = detail.get_by_role("img", name="Fishing boats moored at dawn")
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0, "the image did not load"
    shoot("detail")


def test_cancel_a_pending_card_and_find_the_rest_after_a_reload(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    shoot = screenshots(page, tmp_path)
    files = write_files(tmp_path / "files")
    open_upload_page(page, prod_server)
    drop(page, files["harbour.jpg"], files["meadow.png"])
    expect_ready(page, "harbour.jpg")
    expect_ready(page, "meadow.png")
    preview = card(page, "meadow.png").locator(".upload-preview").get_attribute("src")
    assert preview
    assert preview.startswith("/nojs/images/upload/preview?token=")
    card(page, "harbour.jpg").get_by_label("Title").fill("Typed before the reload")
    shoot("two-ready")

    card(page, "meadow.png").get_by_role("button", name="Cancel", exact=True).click()

    expect(card(page, "meadow.png")).to_have_count(0)
    assert page.request.get(prod_server.base_url + preview).status == 404
    shoot("one-cancelled")

    page.reload()
    expect(card(page, "harbour.jpg")).to_have_count(1, timeout=SLOW)
    expect(card(page, "meadow.png")).to_have_count(0)
    expect_ready(page, "harbour.jpg")
    expect(card(page, "harbour.jpg").get_by_label("Title")).to_have_value("Typed before the reload")
    shoot("after-reload")

    # A new tab of the same browser session finds it too (from the server, not the tab).
    other_tab = page.context.new_page()
    open_upload_page(other_tab, prod_server)
    expect_ready(other_tab, "harbour.jpg")
    expect(other_tab.locator(".upload-card")).to_have_count(1)
    other_tab.screenshot(path=tmp_path / "04-new-tab.png", full_page=True)


def test_another_browser_cannot_see_a_pending_preview(
    prod_server: ProdServer, member: Page, browser: Browser, tmp_path: Path
) -> None:
    page = member
    files = write_files(tmp_path / "files")
    open_upload_page(page, prod_server)
    drop(page, files["harbour.jpg"])
    expect_ready(page, "harbour.jpg")
    preview = prod_server.base_url + str(
        card(page, "harbour.jpg").locator(".upload-preview").get_attribute("src")
    )
    mine = page.request.get(preview)
    assert (mine.status, mine.headers["content-type"]) == (200, "image/jpeg")
    page.screenshot(path=tmp_path / "01-owner.png", full_page=True)

    # Another user's browser (even of the same store) gets nothing.
    other = browser.new_context()
    try:
        stranger = other.new_page()
        log_in(stranger, prod_server, create_user(prod_server, store=f"Other {uuid.uuid4().hex}"))
        response = stranger.goto(preview)
        assert response is not None
        assert response.status == 404
        stranger.screenshot(path=tmp_path / "02-other-browser-preview.png", full_page=True)
        open_upload_page(stranger, prod_server)
        expect(stranger.locator("#upload-empty")).to_be_visible()
        stranger.screenshot(path=tmp_path / "03-other-browser-upload-page.png", full_page=True)
    finally:
        other.close()
    # A browser that is not logged in is sent to the login page, never given the file.
    anonymous = httpx.get(preview)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/nojs/login")


def test_cancel_an_upload_in_flight(prod_server: ProdServer, member: Page, tmp_path: Path) -> None:
    page = member
    shoot = screenshots(page, tmp_path)
    big = tmp_path / "big.jpg"
    big.write_bytes(jpeg_bytes((3000, 2000), seed=5) + bytes(6 * 1024 * 1024))
    open_upload_page(page, prod_server)
    temp_dir = prod_server.storage_dir / "temp"  # pending files, and tus parts in temp/tus
    before = {path for path in temp_dir.rglob("*") if path.is_file()}
    # A slow connection (about 1 MB/s up), so the upload is still running when we cancel.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1 << 20},
    )

    drop(page, big)

    uploading = card(page, "big.jpg")
    expect(uploading.get_by_text("Uploading…")).to_be_visible(timeout=SLOW)
    expect(uploading.get_by_role("progressbar")).not_to_have_attribute("aria-valuenow", "0")
    shoot("uploading")
    uploading.get_by_role("button", name="Cancel upload").click()

    expect(uploading).to_have_count(0)
    shoot("cancelled")
    page.wait_for_timeout(1000)  # the server notices the aborted request
    after = {path for path in temp_dir.rglob("*") if path.is_file()}
    assert after - before == set(), "the partial file was kept"
    page.reload()
    expect(page.locator("#upload-empty")).to_be_visible(timeout=SLOW)


def test_keyboard_users_reach_the_file_chooser_and_every_field(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    files = write_files(tmp_path / "files")
    open_upload_page(page, prod_server)
    choose = page.get_by_role("button", name="Choose images")
    for _ in range(10):
        page.keyboard.press("Tab")
        if choose.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Choose images button")
    file_chooser_from_key(page, "Enter").set_files(str(files["meadow.png"]))
    expect_ready(page, "meadow.png")
    meadow = card(page, "meadow.png")
    for label in ("Title", "Alt text", "Description", "Slug", "Tags"):
        expect(meadow.get_by_label(label)).to_be_editable()
    page.screenshot(path=tmp_path / "01-keyboard.png", full_page=True)


def test_without_javascript_each_page_leads_to_its_html_version(
    prod_server: ProdServer, nojs_page: Page
) -> None:
    log_in(nojs_page, prod_server, create_user(prod_server, store=f"NoJS {uuid.uuid4().hex}"))
    for path, target in (
        ("/upload", "/nojs/images/upload"),
        ("/images/12345", "/nojs/images/12345"),
    ):
        nojs_page.goto(prod_server.base_url + path)
        link = nojs_page.get_by_role("link", name="Use the basic HTML version")
        expect(link).to_be_visible()
        link.click()
        expect(nojs_page).to_have_url(prod_server.base_url + target)
