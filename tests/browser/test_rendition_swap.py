"""Web copies appear on the Reflex pages without a reload (issue: background renditions).

Step 2 answers before the worker has made an image's renditions, so a page opened at once
shows the original. Here the rendition jobs go to a queue no worker reads; the test makes the
renditions itself while the page is open, and every page must swap them in by itself: the
same document (no reload), the ``<img>`` now a rendition, ``<source>`` lists for the formats.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from imageapp.config import Settings
from imageapp.services.accounts import CurrentUser
from imageapp.services.factory import build_rendition_service
from imageapp.services.rendition_jobs import make_missing_renditions
from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_active_image, add_gallery, server_settings
from tests.support.prod_server import ProdServer

SLOW = 20_000
MARK = "window.__sameDocument = true"
STILL_MARKED = "() => window.__sameDocument === true"


@pytest.fixture
def user(prod_server: ProdServer, page: Page) -> CurrentUser:
    member = create_user(prod_server, store=f"Swap {uuid.uuid4().hex[:8]}")
    log_in(page, prod_server, member)
    return member


@pytest.fixture
def held(prod_server: ProdServer, tmp_path: Path) -> Settings:
    """The server's database and storage, with a job queue no worker reads."""
    return server_settings(prod_server, queue_url=f"sqlite:///{tmp_path / 'held-jobs.db'}")


def picture_of(page: Page, image_id: int) -> Locator:
    return page.locator("picture").filter(has=page.locator(f'img[src^="/media/{image_id}"]'))


def expect_swapped_in(page: Page, held: Settings, image_id: int, preset: str) -> None:
    """The page shows the original; once the renditions exist it shows them, unreloaded."""
    img = picture_of(page, image_id).locator("img")
    expect(img).to_have_attribute("src", f"/media/{image_id}", timeout=SLOW)
    expect(picture_of(page, image_id).locator("source")).to_have_count(0)
    page.evaluate(MARK)

    assert make_missing_renditions(build_rendition_service(held), image_id) > 0

    rendition = re.compile(rf"^/media/{image_id}/{preset}\.[0-9a-f]+\.(jpg|png)$")
    expect(img).to_have_attribute("src", rendition, timeout=SLOW)
    expect(picture_of(page, image_id).locator('source[type="image/webp"]')).to_have_count(1)
    assert page.evaluate(STILL_MARKED), "the page was reloaded"


def test_library_and_image_pages_swap_in_web_copies(
    prod_server: ProdServer, page: Page, user: CurrentUser, held: Settings
) -> None:
    in_library = add_active_image(prod_server, user, "Quay before its copies", held)
    page.goto(prod_server.base_url + "/")
    expect_swapped_in(page, held, in_library, "thumb")

    on_its_page = add_active_image(prod_server, user, "Pier before its copies", held)
    page.goto(f"{prod_server.base_url}/images/{on_its_page}")
    expect_swapped_in(page, held, on_its_page, "web")


def test_gallery_pages_swap_in_web_copies(
    prod_server: ProdServer, page: Page, user: CurrentUser, held: Settings
) -> None:
    cover = add_active_image(prod_server, user, "Cover before its copies", held)
    add_gallery(prod_server, user, f"Waiting {uuid.uuid4().hex[:4]}", [cover])
    page.goto(prod_server.base_url + "/galleries")
    expect_swapped_in(page, held, cover, "thumb")

    inside = add_active_image(prod_server, user, "Entry before its copies", held)
    gallery_id = add_gallery(prod_server, user, f"Later {uuid.uuid4().hex[:4]}", [inside])
    page.goto(f"{prod_server.base_url}/galleries/{gallery_id}")
    expect_swapped_in(page, held, inside, "thumb")
