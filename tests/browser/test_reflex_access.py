"""Every Reflex page, listed from the app's own routing table: a stranger is sent to log in,
and a member of another store sees nothing of this store's images and galleries.

A new page without a row in EXPECTED fails test_every_reflex_page_is_listed."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, expect

from imageapp.db import get_engine
from imageapp.imageapp import app
from imageapp.services.factory import build_bulk_service
from imageapp.services.galleries import GalleryService
from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_active_image, server_settings
from tests.support.prod_server import ProdServer

# route -> what a member of ANOTHER store (with nothing of their own) sees once the page has
# loaded: an empty page of their own store, or "not found" for this store's image or gallery.
EXPECTED: dict[str, str] = {
    "index": "#library-empty",
    "upload": "#upload-empty",
    "images/[image_id]": "#image-not-found",
    "galleries": "#galleries-empty",
    "galleries/[gallery_id]": "#gallery-not-found",
    "tokens": "#tokens-empty",  # a person's own tokens only
    "trash": "#trash-empty",  # their own store's trash (store A's holds an image)
}


def test_every_reflex_page_is_listed() -> None:
    assert set(app._unevaluated_pages) == set(EXPECTED)


@pytest.fixture(scope="module")
def store_a(prod_server: ProdServer) -> dict[str, str]:
    """One image and one gallery of store A; the concrete URL of every page."""
    owner = create_user(prod_server, store=f"Access A {uuid.uuid4().hex[:6]}")
    image_id = add_active_image(prod_server, owner, "Store A only")
    trashed = add_active_image(prod_server, owner, "Store A only, in the trash")
    build_bulk_service(server_settings(prod_server)).delete(
        store_id=owner.store_id, image_ids=[trashed], user_id=owner.id
    )
    gallery_id = GalleryService(get_engine(prod_server.database_url)).create(
        store_id=owner.store_id, title="Store A gallery"
    )
    return {
        "index": "/",
        "upload": "/upload",
        "images/[image_id]": f"/images/{image_id}",
        "galleries": "/galleries",
        "galleries/[gallery_id]": f"/galleries/{gallery_id}",
        "tokens": "/tokens",
        "trash": "/trash",
    }


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_a_stranger_is_sent_to_log_in(
    prod_server: ProdServer, browser: Browser, store_a: dict[str, str], route: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    path = store_a[route]
    page.goto(prod_server.base_url + path)
    expect(page).to_have_url(
        re.compile(re.escape(f"/nojs/login?next={quote(path, safe='/')}") + "$")
    )
    expect(page.get_by_text("Store A")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_another_store_sees_nothing(
    prod_server: ProdServer, browser: Browser, store_a: dict[str, str], route: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    log_in(page, prod_server, create_user(prod_server, store=f"Access B {uuid.uuid4().hex[:6]}"))
    page.goto(prod_server.base_url + store_a[route])
    expect(page.locator(EXPECTED[route])).to_be_visible()  # loaded: absence below is real
    expect(page.get_by_text("Store A only")).to_have_count(0)
    expect(page.get_by_text("Store A gallery")).to_have_count(0)
    context.close()
