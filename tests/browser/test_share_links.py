"""Share links end to end in Chromium: made in the Reflex UI and in the no-JS UI, visited by
a browser without an account with JavaScript off (the gallery with its images, a password
page), turned off (410)."""

from __future__ import annotations

import time
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_active_image, add_gallery
from tests.support.prod_server import ProdServer

SLOW = 30_000


def visit_without_javascript(browser: Browser, url: str, pictures: int = 0) -> Page:
    """The page in a JS-off context; with ``pictures``, reloaded until that many show (the
    server's worker makes the renditions a moment after the images were added)."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    deadline = time.monotonic() + SLOW / 1000
    while page.locator(".share-images img").count() < pictures and time.monotonic() < deadline:
        time.sleep(0.5)
        page.goto(url)
    return page


def test_reflex_ui_makes_a_link_a_stranger_sees_without_javascript(
    prod_server: ProdServer, page: Page, browser: Browser
) -> None:
    user = create_user(prod_server, store=f"Share {uuid.uuid4().hex[:8]}")
    first = add_active_image(prod_server, user, "Quay at dawn", alt_text="Boats at the quay")
    second = add_active_image(prod_server, user, "Harbour wall", alt_text="A stone wall")
    gallery_id = add_gallery(prod_server, user, "Harbour", [first, second])
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/galleries/{gallery_id}")
    section = page.locator("#share-links")
    expect(section).to_be_visible(timeout=SLOW)
    section.get_by_role("button", name="Create share link").click()
    link = page.locator("#new-share-url")
    expect(link).not_to_have_value("", timeout=SLOW)
    url = link.input_value()
    assert url.startswith(f"{prod_server.base_url}/s/")
    expect(
        section.get_by_role(
            "button",
            name="Turn off the link: no expiry, no password, no downloads, not visited yet",
        )
    ).to_be_visible()

    stranger = visit_without_javascript(browser, url, pictures=2)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Harbour")
    images = stranger.locator(".share-images img")
    expect(images).to_have_count(2)
    expect(images.first).to_have_attribute("alt", "Boats at the quay")
    stranger.context.close()

    section.get_by_role(
        "button", name="Turn off the link: no expiry, no password, no downloads, not visited yet"
    ).click()
    expect(section).to_contain_text("No share links yet", timeout=SLOW)
    gone = visit_without_javascript(browser, url)
    expect(gone.get_by_role("heading", level=1)).to_have_text("This link was turned off")
    gone.context.close()


def test_nojs_ui_makes_a_password_link(
    prod_server: ProdServer, nojs_page: Page, browser: Browser
) -> None:
    user = create_user(prod_server, store=f"Share {uuid.uuid4().hex[:8]}")
    image = add_active_image(prod_server, user, "Net shed", alt_text="An old net shed")
    log_in(nojs_page, prod_server, user)
    nojs_page.goto(f"{prod_server.base_url}/nojs/images/{image}")
    nojs_page.locator("#share_password").fill("open sesame")
    nojs_page.get_by_label("Allow downloading the originals").check()
    nojs_page.get_by_role("button", name="Create share link").click()
    url = nojs_page.locator("#new_share_url").input_value()
    assert url.startswith(f"{prod_server.base_url}/s/")

    stranger = visit_without_javascript(browser, url)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Password needed")
    stranger.get_by_label("Password").fill("wrong")
    stranger.get_by_role("button", name="Open").click()
    expect(stranger.get_by_role("alert")).to_contain_text("not the password")
    stranger.get_by_label("Password").fill("open sesame")
    stranger.get_by_role("button", name="Open").click()
    expect(stranger.locator(".share-images img")).to_have_attribute("alt", "An old net shed")
    expect(stranger.get_by_role("link", name="Download the original")).to_be_visible()
    stranger.context.close()
