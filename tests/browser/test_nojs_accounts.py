"""First run to logout with JavaScript OFF: setup -> login -> upload -> logout -> asks to log in."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.accounts import forget_all_accounts
from tests.images import jpeg_bytes
from tests.support.prod_server import ProdServer

PASSWORD = "first run password"


def test_first_run_to_logout_without_javascript(
    prod_server: ProdServer, nojs_page: Page, tmp_path: Path
) -> None:
    page, base = nojs_page, prod_server.base_url
    forget_all_accounts(prod_server)
    page.goto(base + "/nojs/images")
    expect(page).to_have_url(base + "/nojs/setup")  # login -> setup while nobody exists
    page.get_by_label("Store name").fill("Harbour Photos")
    page.get_by_label("Your email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.screenshot(path=tmp_path / "1-setup.png", full_page=True)
    page.get_by_role("button", name="Create store and account").click()
    expect(page).to_have_url(base + "/nojs/images")
    expect(page.get_by_role("status")).to_contain_text("Harbour Photos is ready")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(base + "/nojs/login")
    assert page.context.request.get(base + "/nojs/setup").status == 404

    page.get_by_label("Email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/nojs/images")
    page.screenshot(path=tmp_path / "2-logged-in.png", full_page=True)

    photo = tmp_path / "pier.jpg"
    photo.write_bytes(jpeg_bytes((120, 80)))
    page.get_by_role("link", name="Upload", exact=True).click()
    page.get_by_label("Image file").set_input_files(photo)
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_label("Title").fill("The old pier")
    page.get_by_label("Alt text").fill("A wooden pier at low tide")
    page.get_by_role("button", name="Complete upload").click()
    expect(page).to_have_url(re.compile(r".*/nojs/images/\d+$"))
    image_page = page.url
    page.screenshot(path=tmp_path / "3-uploaded.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.goto(image_page)
    expect(page).to_have_url(re.compile(r".*/nojs/login\?next=/nojs/images/\d+$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.screenshot(path=tmp_path / "4-asks-to-log-in.png", full_page=True)
