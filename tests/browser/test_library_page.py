"""The library page (`/`) in Chromium, served by the real `make run` production build."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from imageapp.config import Settings
from imageapp.services.factory import build_upload_service
from tests.factories import metadata, pending_upload
from tests.support.prod_server import ProdServer


def add_active_image(server: ProdServer, title: str) -> int:
    """An active image in the server's own database and storage, made through the services."""
    uploads = build_upload_service(
        Settings(database_url=server.database_url, storage_dir=server.storage_dir)
    )
    pending = pending_upload(uploads, owner="browser-test")
    return uploads.finalize(
        token=pending.upload_token, owner="browser-test", metadata=metadata(title)
    )


def test_library_lists_active_images_by_title(prod_server: ProdServer, page: Page) -> None:
    titles = [f"Harbour {uuid.uuid4().hex[:8]}", f"Meadow {uuid.uuid4().hex[:8]}"]
    for title in titles:
        add_active_image(prod_server, title)

    page.goto(prod_server.base_url + "/")

    expect(page).to_have_title("Image library · imageapp")
    grid = page.locator("#library-grid")
    for title in titles:
        expect(grid.get_by_role("heading", name=title)).to_be_visible()
    expect(page.locator("#library-empty")).to_have_count(0)


def test_without_javascript_the_page_points_to_the_html_version(
    prod_server: ProdServer, nojs_page: Page
) -> None:
    nojs_page.goto(prod_server.base_url + "/")

    link = nojs_page.get_by_role("link", name="Use the basic HTML version")
    expect(link).to_be_visible()
    link.click()
    expect(nojs_page).to_have_url(prod_server.base_url + "/nojs/images")
