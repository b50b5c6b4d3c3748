"""Galleries in the Reflex UI (`/galleries`, `/galleries/<id>`), Chromium on the `make run` build.

Each test saves a screenshot of every step in its tmp dir (``NN-step.png``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from imageapp.services.accounts import CurrentUser
from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import (
    add_active_image,
    add_gallery,
    galleries,
    gallery_order,
    screenshots,
)
from tests.support.prod_server import ProdServer

SLOW = 15_000


@pytest.fixture
def user(prod_server: ProdServer, page: Page) -> CurrentUser:
    """A fresh user of a store of their own, logged in in ``page`` (JavaScript on)."""
    member = create_user(prod_server, store=f"Galleries {uuid.uuid4().hex[:8]}")
    log_in(page, prod_server, member)
    return member


def rows(page: Page) -> Locator:
    return page.locator("#gallery-entries .gallery-entry")


def expect_order(page: Page, titles: list[str]) -> None:
    expect(rows(page).locator(".entry-title")).to_have_text(titles, timeout=SLOW)


def open_gallery(page: Page, server: ProdServer, gallery_id: int) -> None:
    page.goto(f"{server.base_url}/galleries/{gallery_id}")
    expect(page.locator("#gallery-title")).to_be_visible(timeout=SLOW)


def three_in_a_gallery(server: ProdServer, user: CurrentUser) -> tuple[int, list[int], list[str]]:
    titles = [f"{name} {uuid.uuid4().hex[:4]}" for name in ("Harbour", "Meadow", "Summit")]
    ids = [add_active_image(server, user, title) for title in titles]
    return add_gallery(server, user, f"Trip {uuid.uuid4().hex[:4]}", ids), ids, titles


def test_create_rename_and_delete_a_gallery(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    image_id = add_active_image(prod_server, user, "Kept after the gallery goes")
    page.goto(prod_server.base_url + "/galleries")
    expect(page.locator("#galleries-empty")).to_be_visible(timeout=SLOW)

    page.get_by_label("New gallery").fill("Summer 2025")
    page.get_by_label("Description (optional)").fill("Holidays by the sea")
    page.get_by_role("button", name="Create gallery").click()

    card = page.locator(".gallery-card", has_text="Summer 2025")
    expect(card).to_contain_text("0 images")
    expect(page.locator("#galleries-status")).to_have_text(
        "Gallery 'Summer 2025' created. Add images to it from the library."
    )
    shoot("created")

    page.get_by_role("button", name="Rename Summer 2025").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill("Summer by the sea")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".gallery-card", has_text="Summer by the sea")).to_be_visible()
    expect(page.locator(".gallery-card", has_text="Summer 2025")).to_have_count(0)
    expect(page.locator(".gallery-card")).to_contain_text("Holidays by the sea")
    shoot("renamed")

    page.get_by_role("button", name="Delete Summer by the sea").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(
        "Delete the gallery 'Summer by the sea'? It holds no images; only the gallery goes."
    )
    shoot("delete-question")
    question.get_by_role("button", name="Keep it").click()
    expect(page.locator(".gallery-card")).to_have_count(1)
    page.get_by_role("button", name="Delete Summer by the sea").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete gallery").click()
    expect(page.locator("#galleries-empty")).to_be_visible()
    assert galleries(prod_server).summaries(store_id=user.store_id) == []
    page.goto(f"{prod_server.base_url}/images/{image_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kept after the gallery goes")


def test_drag_to_reorder_persists_after_a_reload(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    gallery_id, (harbour, meadow, summit), titles = three_in_a_gallery(prod_server, user)
    open_gallery(page, prod_server, gallery_id)
    expect_order(page, titles)
    listing = page.get_by_role("list", name="Images in this gallery, in order")
    expect(listing.get_by_role("listitem")).to_have_count(3)
    shoot("before")

    # The summit onto the top half of the first row: it goes before the harbour.
    rows(page).nth(2).drag_to(rows(page).nth(0), target_position={"x": 200, "y": 5})

    expect_order(page, [titles[2], titles[0], titles[1]])
    expect(page.locator("#gallery-status")).to_contain_text("to position 1 of 3")
    shoot("dragged")
    assert gallery_order(prod_server, user, gallery_id) == [summit, harbour, meadow]

    # The harbour (now second) onto the bottom half of the last row, by hand this time: while
    # dragging, that row is marked as the place below which it will land; then it goes last.
    source, target = rows(page).nth(1).bounding_box(), rows(page).nth(2).bounding_box()
    assert source is not None
    assert target is not None
    page.mouse.move(source["x"] + 300, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + 300, target["y"] + target["height"] - 8, steps=8)
    expect(rows(page).nth(2)).to_have_attribute("data-drop", "after")
    shoot("while-dragging")
    page.mouse.up()
    expect_order(page, [titles[2], titles[1], titles[0]])
    expect(page.locator("[data-drop], [data-dragging]")).to_have_count(0)

    page.reload()
    expect_order(page, [titles[2], titles[1], titles[0]])
    expect(rows(page).locator(".entry-position")).to_have_text(["1", "2", "3"])
    shoot("after-reload")
    assert gallery_order(prod_server, user, gallery_id) == [summit, meadow, harbour]


def test_keyboard_moves_keep_the_focus_and_the_cover_shows_in_the_list(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    gallery_id, (harbour, meadow, summit), titles = three_in_a_gallery(prod_server, user)
    open_gallery(page, prod_server, gallery_id)
    expect_order(page, titles)
    expect(page.locator(f"#move-up-{harbour}")).to_be_disabled()

    page.locator(f"#move-up-{summit}").focus()
    page.keyboard.press("Enter")
    expect_order(page, [titles[0], titles[2], titles[1]])
    expect(page.locator(f"#move-up-{summit}")).to_be_focused()
    page.keyboard.press("Enter")
    expect_order(page, [titles[2], titles[0], titles[1]])
    # At the top "Move up" is disabled: the focus went to "Move down" of the same image.
    expect(page.locator(f"#move-up-{summit}")).to_be_disabled()
    expect(page.locator(f"#move-down-{summit}")).to_be_focused()
    expect(page.locator("#gallery-status")).to_contain_text("position 1 of 3")
    shoot("moved-by-keyboard")
    page.keyboard.press("Enter")
    expect_order(page, [titles[0], titles[2], titles[1]])
    assert gallery_order(prod_server, user, gallery_id) == [harbour, summit, meadow]

    page.get_by_role("button", name=f"Make cover: {titles[1]}").click()
    expect(rows(page).nth(2)).to_contain_text("Cover")
    expect(rows(page).nth(0)).not_to_contain_text("Cover")
    page.get_by_role("button", name=f"Remove {titles[0]} from the gallery").click()
    expect_order(page, [titles[2], titles[1]])
    expect(page.locator("#gallery-status")).to_contain_text("it stays in your library")
    shoot("cover-and-removed")

    page.get_by_role("link", name="All galleries").click()
    card = page.locator(".gallery-card").first
    expect(card).to_contain_text("2 images")
    cover = card.locator("img")
    expect(cover).to_have_js_property("complete", True)
    assert f"/media/{meadow}/" in cover.evaluate("img => img.currentSrc")
    shoot("list-with-cover")


def test_another_stores_gallery_is_not_found(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    owner = create_user(prod_server, store=f"Owner {uuid.uuid4().hex[:6]}")
    gallery_id = add_gallery(prod_server, owner, "Private trip")

    page.goto(f"{prod_server.base_url}/galleries/{gallery_id}")

    expect(page.locator("#gallery-not-found")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Private trip")).to_have_count(0)
    page.screenshot(path=tmp_path / "01-not-found.png", full_page=True)


def test_without_javascript_the_gallery_pages_point_to_their_html_versions(
    prod_server: ProdServer, nojs_page: Page
) -> None:
    for path, target in (("/galleries", "/nojs/galleries"), ("/galleries/7", "/nojs/galleries/7")):
        nojs_page.goto(prod_server.base_url + path)
        link = nojs_page.get_by_role("link", name="Use the basic HTML version")
        expect(link).to_be_visible()
        with nojs_page.expect_response(lambda response: "nojs=1" in response.url) as answer:
            link.click()
        assert answer.value.status == 303
        assert answer.value.headers["location"] == target
