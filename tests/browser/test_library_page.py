"""The library (`/`) and image (`/images/<id>`) pages in Chromium, on the real `make run` build."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.browser.library_data import add_active_image
from tests.support.prod_server import ProdServer


def shows_rendition(page: Page, img: Locator, name_part: str) -> None:
    """Waits until ``img`` has loaded a rendition: the worker makes them after the page may
    have loaded, and the page swaps them in by itself (the original shows meanwhile)."""
    page.wait_for_function(
        "([img, part]) => img.complete && img.naturalWidth > 0 && img.currentSrc.includes(part)",
        arg=[img.element_handle(), name_part],
    )
    assert img.evaluate("img => img.currentSrc").count(name_part) == 1


def test_library_lists_the_stores_images_with_thumbnails(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    user = create_user(prod_server, store=f"Library {uuid.uuid4().hex[:6]}")
    titles = [f"Harbour {uuid.uuid4().hex[:8]}", f"Meadow {uuid.uuid4().hex[:8]}"]
    for title in titles:
        add_active_image(prod_server, user, title)
    stranger = create_user(prod_server, store=f"Elsewhere {uuid.uuid4().hex[:6]}")
    add_active_image(prod_server, stranger, "Someone else's photo")
    log_in(page, prod_server, user)

    page.goto(prod_server.base_url + "/")

    expect(page).to_have_title("Image library · imageapp")
    grid = page.locator("#library-grid")
    for title in titles:
        expect(grid.get_by_role("heading", name=title)).to_be_visible()
        thumbnail = grid.locator(".library-item", has_text=title).get_by_role("img")
        shows_rendition(page, thumbnail, "/thumb.")
    expect(page.locator(".library-item")).to_have_count(2)
    expect(page.locator("#library-empty")).to_have_count(0)
    expect(page.get_by_text(user.email)).to_be_visible()
    page.screenshot(path=tmp_path / "01-library.png", full_page=True)

    grid.get_by_role("heading", name=titles[0]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    picture = page.locator("#image-detail").get_by_role("img", name=f"A photo: {titles[0]}")
    shows_rendition(page, picture, "/web.")
    page.screenshot(path=tmp_path / "02-image.png", full_page=True)


def test_an_empty_store_is_invited_to_upload(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    user = create_user(prod_server, store=f"Empty {uuid.uuid4().hex[:6]}")
    log_in(page, prod_server, user)

    page.goto(prod_server.base_url + "/")

    empty = page.locator("#library-empty")
    expect(empty).to_contain_text("No images yet")
    page.screenshot(path=tmp_path / "01-empty.png", full_page=True)
    empty.get_by_role("link", name="Upload images").click()
    expect(page).to_have_url(prod_server.base_url + "/upload")


def test_an_image_of_another_store_is_not_found(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    owner = create_user(prod_server, store=f"Owner {uuid.uuid4().hex[:6]}")
    image_id = add_active_image(prod_server, owner, "Private harbour")
    log_in(page, prod_server, create_user(prod_server, store=f"Other {uuid.uuid4().hex[:6]}"))

    page.goto(f"{prod_server.base_url}/images/{image_id}")

    expect(page.locator("#image-not-found")).to_contain_text("Image not found")
    expect(page.get_by_text("Private harbour")).to_have_count(0)
    page.screenshot(path=tmp_path / "01-not-found.png", full_page=True)


def test_pages_ask_for_a_login_and_come_back_after_it(
    prod_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    user = create_user(prod_server, store=f"Login {uuid.uuid4().hex[:6]}")
    image_id = add_active_image(prod_server, user, "Behind the login")

    page.goto(f"{prod_server.base_url}/images/{image_id}")

    expect(page).to_have_url(f"{prod_server.base_url}/nojs/login?next=/images/{image_id}")
    page.get_by_label("Email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{prod_server.base_url}/images/{image_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Behind the login")
    page.screenshot(path=tmp_path / "01-back-after-login.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{prod_server.base_url}/nojs/login")
    page.goto(prod_server.base_url + "/")
    expect(page).to_have_url(f"{prod_server.base_url}/nojs/login?next=/")


def test_without_javascript_the_page_points_to_the_html_version(
    prod_server: ProdServer, nojs_page: Page
) -> None:
    nojs_page.goto(prod_server.base_url + "/")

    link = nojs_page.get_by_role("link", name="Use the basic HTML version")
    expect(link).to_be_visible()
    link.click()
    expect(nojs_page).to_have_url(prod_server.base_url + "/nojs/login?next=/nojs/images")
