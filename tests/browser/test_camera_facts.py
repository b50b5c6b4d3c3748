"""An iPhone-style HEIC through the Reflex upload page in Chromium: its card says what the
privacy strip removed, and its page shows the camera facts and a picture Chromium can show
(a JPEG of the HEIC until the renditions exist, then the renditions); axe stays clean."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accounts import create_user, log_in
from tests.browser.axe import AXE_JS, AxeAudit
from tests.images_metadata import CAMERA_LINE, photo_with_camera_facts
from tests.support.prod_server import ProdServer

SLOW = 30_000
REMOVED = (
    "Removed: GPS position, camera serial number, owner's name, 9 other EXIF fields. "
    "Kept: colour profile."
)


def test_a_heic_shows_what_was_removed_and_its_camera_facts(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make axe` (axe-core from the npm registry)")
    audit = AxeAudit(report_dir=tmp_path)
    log_in(page, prod_server, create_user(prod_server, store=f"Facts {uuid.uuid4().hex[:8]}"))
    photo = tmp_path / "IMG_0001.HEIC"
    photo.write_bytes(photo_with_camera_facts("heic"))
    page.goto(prod_server.base_url + "/upload")
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)

    page.locator("#image-drop input[type=file]").set_input_files([str(photo)])

    card = page.locator('.upload-card[data-filename="IMG_0001.HEIC"]')
    expect(card.locator(".upload-preview")).to_be_visible(timeout=SLOW)
    expect(card.locator(".privacy-line")).to_have_text(REMOVED)
    audit.check(page, "upload card with its privacy line")
    page.screenshot(path=tmp_path / "01-card.png", full_page=True)
    card.get_by_label("Title").fill("Harbour at noon")
    card.get_by_label("Alt text").fill("Boats in a harbour under a clear sky")
    card.get_by_role("button", name="Complete", exact=True).click()
    saved = page.locator("#upload-saved")
    saved.get_by_role("link", name="Harbour at noon").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour at noon", timeout=SLOW)
    expect(page.locator("#camera-facts")).to_have_text(CAMERA_LINE)
    picture = page.locator("#image-detail").get_by_role(
        "img", name="Boats in a harbour under a clear sky"
    )
    expect(picture).to_have_js_property("complete", True, timeout=SLOW)
    assert picture.evaluate("img => img.naturalWidth") > 0, "Chromium could not show the picture"
    audit.check(page, "image page with camera facts")
    page.screenshot(path=tmp_path / "02-image.png", full_page=True)
    audit.finish()
