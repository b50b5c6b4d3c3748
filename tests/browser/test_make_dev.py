"""`make dev` (Reflex's dev server, hot reload) used from the frontend's address only.

Vite serves the frontend on PORT and the backend listens on BACKEND_PORT; a person only
ever types PORT. This walks a first run there: setup and login (HTML forms), an upload in
the Reflex UI (websocket and upload through the same address), the library, a /nojs page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from imageapp.db import get_engine
from imageapp.services.accounts import AccountService
from tests.images import jpeg_bytes
from tests.support.prod_server import (
    ProdServer,
    _stop_and_check,
    git_status,
    start_dev_server,
)

PASSWORD = "dev server password"
SLOW = 60_000  # Vite compiles each route on its first visit


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdServer]:
    """A private `make dev` (its own database): nothing here touches the shared server."""
    server = start_dev_server(tmp_path_factory.mktemp("dev-server"))
    try:
        yield server
    finally:
        _stop_and_check(server)


def test_first_run_upload_and_library_from_the_frontend_port(
    dev_server: ProdServer, page: Page, tmp_path: Path
) -> None:
    base = dev_server.base_url
    page.goto(base + "/")  # a Reflex page: nobody is logged in -> login -> setup
    expect(page).to_have_url(re.compile(re.escape(base) + r"/nojs/setup"), timeout=SLOW)
    page.get_by_label("Store name").fill("Dev Harbour")
    page.get_by_label("Your email").fill("dev@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create store and account").click()
    expect(page.get_by_role("status")).to_contain_text("Dev Harbour is ready")

    photo = tmp_path / "quay.jpg"
    photo.write_bytes(jpeg_bytes((900, 600), seed=5))
    page.goto(base + "/upload")
    expect(page).to_have_title("Upload images · imageapp", timeout=SLOW)
    # Connected (the websocket went through the frontend's port) and loaded.
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)
    page.locator("#image-drop input[type=file]").set_input_files([str(photo)])
    card = page.locator('.upload-card[data-filename="quay.jpg"]')
    expect(card.locator(".upload-preview")).to_be_visible(timeout=SLOW)
    card.get_by_label("Title").fill("Quay at dusk")
    card.get_by_label("Alt text").fill("Fishing boats along a stone quay")
    card.get_by_role("button", name="Complete", exact=True).click()
    saved = page.locator("#upload-saved")
    expect(saved.get_by_role("link", name="Quay at dusk")).to_be_visible(timeout=SLOW)
    page.screenshot(path=tmp_path / "1-saved.png", full_page=True)

    saved.get_by_role("link", name="Open the library").click()
    thumbnail = page.locator("#library-grid .library-item", has_text="Quay at dusk").get_by_role(
        "img"
    )
    expect(thumbnail).to_have_js_property("complete", True, timeout=SLOW)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0, "the thumbnail did not load"
    assert thumbnail.evaluate("img => new URL(img.currentSrc).port") == str(dev_server.port)
    page.screenshot(path=tmp_path / "2-library.png", full_page=True)

    page.goto(base + "/nojs/images")  # the HTML pages answer on the frontend's port too
    expect(page.get_by_role("link", name="Quay at dusk")).to_be_visible()
    assert git_status() == dev_server.git_status_before, "`make dev` changed the checkout"


def test_forwarded_headers_are_not_believed(dev_server: ProdServer) -> None:
    """A spoofed X-Forwarded-For neither dodges the per-address login throttle nor changes
    whose failures they are; a spoofed X-Forwarded-Host is not "our" origin."""
    AccountService(get_engine(dev_server.database_url)).create_user(
        store_name="Throttle Test", email="t@example.com", password=PASSWORD, is_admin=True
    )
    with httpx.Client(base_url=dev_server.base_url, timeout=30.0) as client:
        for attempt in range(20):
            token = csrf_token(client, "/nojs/login")
            refused = client.post(
                "/nojs/login",
                data={"email": f"x{attempt}@example.com", "password": "wrong", "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
                follow_redirects=True,
            )
            assert "Too many failed attempts" not in refused.text
        token = csrf_token(client, "/nojs/login")
        throttled = client.post(
            "/nojs/login",
            data={"email": "y@example.com", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.7"},
            follow_redirects=True,
        )
        assert "Too many failed attempts" in throttled.text


def csrf_token(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)
