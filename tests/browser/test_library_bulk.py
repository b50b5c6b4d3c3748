"""The library (`/`) in Chromium on the `make run` build: filters, selection and bulk actions.

Each test saves a screenshot of every step in its tmp dir (``NN-step.png``).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from imageapp.services.accounts import CurrentUser
from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_active_image, add_gallery, gallery_order, screenshots
from tests.support.prod_server import ProdServer

SLOW = 15_000


@pytest.fixture
def user(prod_server: ProdServer, page: Page) -> CurrentUser:
    """A fresh user of a store of their own, logged in in ``page`` (JavaScript on)."""
    member = create_user(prod_server, store=f"Bulk {uuid.uuid4().hex[:8]}")
    log_in(page, prod_server, member)
    return member


def named(*names: str) -> list[str]:
    suffix = uuid.uuid4().hex[:4]
    return [f"{name} {suffix}" for name in names]


def open_library(page: Page, server: ProdServer, query: str = "") -> None:
    page.goto(server.base_url + "/" + query)
    expect(page.locator("#library-count")).to_be_visible(timeout=SLOW)


def item(page: Page, title: str) -> Locator:
    return page.locator(f'.library-item[data-title="{title}"]')


def select(page: Page, *titles: str) -> None:
    for title in titles:
        page.get_by_role("checkbox", name=f"Select {title}").click()


def choose(page: Page, select_label: str, option: str) -> None:
    page.get_by_role("combobox", name=select_label).click()
    page.get_by_role("option", name=option).click()


def outcome(page: Page) -> Locator:
    return page.locator("#bulk-outcome")


def test_select_three_add_them_to_a_gallery_and_find_them_there_in_order(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    titles = named("Anchor", "Buoy", "Cliff", "Dune")
    ids = dict(zip(titles, (add_active_image(prod_server, user, t) for t in titles), strict=True))
    gallery_id = add_gallery(prod_server, user, "Summer")
    open_library(page, prod_server)
    expect(page.locator("#library-count")).to_have_text("4 images")

    anchor, buoy, cliff, dune = titles
    select(page, buoy, dune, anchor)
    expect(page.locator("#selected-count")).to_have_text("3 images selected")
    choose(page, "Gallery for the selection", "Summer")
    shoot("selected")
    page.get_by_role("button", name="Add to gallery").click()

    expect(outcome(page)).to_have_text("3 images added to 'Summer'.", timeout=SLOW)
    shoot("added")
    assert gallery_order(prod_server, user, gallery_id) == [ids[buoy], ids[dune], ids[anchor]]

    page.get_by_role("link", name="Galleries").click()
    page.get_by_role("link", name="Summer").click()
    entries = page.locator("#gallery-entries .gallery-entry .entry-title")
    expect(entries).to_have_text([buoy, dune, anchor], timeout=SLOW)
    shoot("gallery")

    # Adding the same three again (plus the cliff) adds only the cliff, at the end.
    page.go_back()
    page.go_back()
    expect(page.locator("#library-grid")).to_be_visible(timeout=SLOW)
    select(page, cliff)
    choose(page, "Gallery for the selection", "Summer")
    page.get_by_role("button", name="Add to gallery").click()
    expect(outcome(page)).to_have_text(
        "1 image added to 'Summer'. 3 images were there already.", timeout=SLOW
    )
    assert gallery_order(prod_server, user, gallery_id)[-1] == ids[cliff]


def test_bulk_delete_asks_first_naming_the_images_and_galleries(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    titles = named("Xebec", "Yawl", "Zodiac", "Wherry")
    ids = [add_active_image(prod_server, user, title) for title in titles]
    first = add_gallery(prod_server, user, "Boats", ids[:2])
    add_gallery(prod_server, user, "Small boats", ids[2:3])
    open_library(page, prod_server)

    page.get_by_role("checkbox", name="Select all on this page").click()
    expect(page.locator("#selected-count")).to_have_text("4 images selected")
    select(page, titles[3])  # uncheck the wherry
    expect(page.locator("#selected-count")).to_have_text("3 images selected")
    page.get_by_role("button", name="Delete…").click()

    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(
        "Move 3 images to the trash? They are in 2 galleries, which keep their place for them."
    )
    shoot("question")
    question.get_by_role("button", name="Keep them").click()
    expect(question).to_have_count(0)
    expect(page.locator(".library-item")).to_have_count(4)

    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Move to the trash").click()

    expect(outcome(page)).to_have_text("3 images moved to the trash.", timeout=SLOW)
    expect(page.locator(".library-item")).to_have_count(1)
    expect(item(page, titles[3])).to_be_visible()
    expect(page.locator("#library-count")).to_have_text("1 image")
    expect(page.locator("#selected-count")).to_have_text("0 images selected")
    shoot("deleted")
    assert gallery_order(prod_server, user, first) == []
    with httpx.Client(base_url=prod_server.base_url) as client:
        assert client.get(f"/media/{ids[0]}").status_code == 404

    page.get_by_role("button", name="Undo: restore the images just deleted").click()
    expect(outcome(page)).to_have_text("3 images restored.", timeout=SLOW)
    expect(page.locator(".library-item")).to_have_count(4)
    expect(page.locator("#bulk-undo")).to_have_count(0)
    assert gallery_order(prod_server, user, first) == ids[:2]  # back in their place


def test_inactive_images_filters_and_tags(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    pier, quay, reef = named("Pier", "Quay", "Reef")
    add_active_image(prod_server, user, pier, tags="sea", description="Old wooden pier")
    quay_id = add_active_image(prod_server, user, quay)
    add_active_image(prod_server, user, reef)
    open_library(page, prod_server)

    select(page, quay)
    page.get_by_role("button", name="Set inactive").click()
    expect(outcome(page)).to_contain_text("1 image set inactive", timeout=SLOW)
    expect(page.locator("#library-count")).to_have_text("2 images")
    expect(item(page, quay)).to_have_count(0)
    with httpx.Client(base_url=prod_server.base_url) as client:
        assert client.get(f"/media/{quay_id}").status_code == 404

    choose(page, "Status", "Active and inactive")
    expect(page).to_have_url(re.compile(r"status=all"))
    expect(page.locator("#library-count")).to_have_text("3 images match", timeout=SLOW)
    hidden = item(page, quay)
    expect(hidden.locator(".inactive-placeholder")).to_be_visible()
    expect(hidden.locator("img")).to_have_count(0)
    expect(hidden).to_contain_text("Inactive")
    for image in page.locator("#library-grid img").all():
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, "a broken image on the page"
    shoot("all-statuses")

    # Tags for the quay and the reef, then the tag filter finds exactly those two.
    page.get_by_role("checkbox", name=f"Select {reef}").click()
    page.get_by_label("Tags to add to the selection").fill("boats, Harbour")
    page.get_by_role("button", name="Add tags").click()
    expect(outcome(page)).to_have_text("Tags boats, harbour added to 2 images.", timeout=SLOW)
    page.get_by_label("Tag", exact=True).fill("boats")
    page.get_by_label("Tag", exact=True).press("Enter")
    expect(page.locator("#library-count")).to_have_text("2 images match", timeout=SLOW)
    expect(page.locator(".library-title")).to_have_text([reef, quay])
    shoot("tag-filter")

    page.get_by_role("button", name="Clear filters").first.click()
    page.get_by_label("Search titles and descriptions").fill("wooden")
    page.get_by_label("Search titles and descriptions").press("Enter")
    expect(page.locator(".library-title")).to_have_text([pier], timeout=SLOW)
    expect(page).to_have_url(re.compile(r"\?q=wooden$"))
    page.reload()
    expect(page.locator(".library-title")).to_have_text([pier], timeout=SLOW)
    expect(page.get_by_label("Search titles and descriptions")).to_have_value("wooden")
    shoot("text-filter")


def test_the_gallery_filter_shows_a_gallery_in_its_order(
    prod_server: ProdServer, page: Page, user: CurrentUser
) -> None:
    first, second, third = named("Gull", "Heron", "Ibis")
    ids = [add_active_image(prod_server, user, title) for title in (first, second, third)]
    gallery_id = add_gallery(prod_server, user, "Birds", [ids[2], ids[0]])

    open_library(page, prod_server, f"?gallery={gallery_id}")

    expect(page.locator(".library-title")).to_have_text([third, first], timeout=SLOW)
    expect(page.locator("#library-count")).to_have_text("2 images match")
    expect(page.get_by_role("combobox", name="Gallery", exact=True)).to_have_text("Birds")
