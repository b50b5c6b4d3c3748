"""The upload page's "Add to gallery" in Chromium on the `make run` build."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_gallery, gallery_order, screenshots
from tests.browser.test_upload_page import SLOW, card, drop, expect_ready, open_upload_page
from tests.images import jpeg_bytes
from tests.support.prod_server import ProdServer


def test_a_card_completes_into_the_chosen_gallery(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    user = create_user(prod_server, store=f"Upload {uuid.uuid4().hex[:8]}")
    log_in(page, prod_server, user)
    gallery_id = add_gallery(prod_server, user, "Summer")
    add_gallery(prod_server, user, "Winter")
    photo = tmp_path / "harbour.jpg"
    photo.write_bytes(jpeg_bytes((900, 600), seed=41))
    open_upload_page(page, prod_server)

    drop(page, photo)
    expect_ready(page, "harbour.jpg")
    harbour = card(page, "harbour.jpg")
    harbour.get_by_label("Title").fill("Harbour at dawn")
    harbour.get_by_label("Alt text").fill("Fishing boats moored at dawn")
    harbour.get_by_role("combobox", name="Add to gallery").click()
    page.get_by_role("option", name="Summer").click()
    expect(harbour.get_by_role("combobox", name="Add to gallery")).to_have_text("Summer")
    shoot("gallery-chosen")
    harbour.get_by_role("button", name="Complete").click()

    saved = page.locator("#upload-saved")
    expect(saved.get_by_role("link", name="Harbour at dawn")).to_be_visible(timeout=SLOW)
    (image_id,) = gallery_order(prod_server, user, gallery_id)
    page.goto(f"{prod_server.base_url}/galleries/{gallery_id}")
    expect(page.locator("#gallery-entries .entry-title")).to_have_text(
        ["Harbour at dawn"], timeout=SLOW
    )
    assert page.locator(f'[data-sort-id="{image_id}"]').count() == 1
    shoot("in-the-gallery")
