"""The whole no-JS upload workflow in Chromium with JavaScript OFF, on the real `make run` app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accounts import create_user, log_in
from tests.images import jpeg_bytes, png_bytes
from tests.support.prod_server import ProdServer

STEP_TWO = re.compile(r".*/nojs/images/upload/metadata$")


@pytest.fixture
def nojs_member(prod_server: ProdServer, nojs_page: Page) -> Page:
    """A JavaScript-off browser, logged in as a fresh member."""
    log_in(nojs_page, prod_server, create_user(prod_server))
    return nojs_page


def image_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def shot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)


def upload_step_one(page: Page, server: ProdServer, path: Path) -> None:
    page.goto(server.base_url + "/nojs/images/upload")
    page.get_by_label("Image file").set_input_files(path)
    page.get_by_role("button", name="Upload and continue").click()


def test_upload_error_correct_complete(
    prod_server: ProdServer, nojs_member: Page, tmp_path: Path
) -> None:
    page = nojs_member
    page.goto(prod_server.base_url + "/nojs/images/upload")
    shot(page, tmp_path, "1-step-one")
    upload_step_one(page, prod_server, image_file(tmp_path, "harbour.png", png_bytes((320, 200))))
    expect(page).to_have_url(STEP_TWO)
    preview = page.context.request.get(prod_server.base_url + "/nojs/images/upload/preview")
    assert preview.status == 200
    assert preview.headers["content-type"] == "image/png"
    expect(page.get_by_role("img", name="Preview of harbour.png")).to_be_visible()
    shot(page, tmp_path, "2-step-two")

    page.get_by_label("Alt text").fill("Fishing boats moored in a harbour")
    page.get_by_label("Tags").fill("Sea, boats")
    page.get_by_role("button", name="Complete upload").click()
    expect(page).to_have_url(STEP_TWO)
    expect(page.locator("#title_error")).to_have_text("Enter a title.")
    expect(page.get_by_label("Alt text")).to_have_value("Fishing boats moored in a harbour")
    expect(page.get_by_label("Tags")).to_have_value("Sea, boats")
    shot(page, tmp_path, "3-metadata-error")

    page.get_by_label("Title").fill("Harbour in the morning")
    page.get_by_role("button", name="Complete upload").click()
    expect(page).to_have_url(re.compile(r".*/nojs/images/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Your image was uploaded.")
    expect(page.get_by_role("heading", name="Harbour in the morning")).to_be_visible()
    expect(page.get_by_text("boats", exact=True)).to_be_visible()
    shot(page, tmp_path, "4-complete")

    page.get_by_role("link", name="Back to the library").click()
    expect(page.get_by_role("link", name=re.compile("Harbour in the morning"))).to_be_visible()
    shot(page, tmp_path, "5-library")


def temp_files(server: ProdServer) -> set[str]:
    return {path.name for path in (server.storage_dir / "temp").iterdir()}


def test_cancel_upload(prod_server: ProdServer, nojs_member: Page, tmp_path: Path) -> None:
    before = temp_files(prod_server)
    upload_step_one(nojs_member, prod_server, image_file(tmp_path, "a.jpg", jpeg_bytes((80, 60))))
    expect(nojs_member).to_have_url(STEP_TWO)
    nojs_member.get_by_role("button", name="Cancel upload").click()
    expect(nojs_member).to_have_url(prod_server.base_url + "/nojs/images")
    expect(nojs_member.get_by_role("status")).to_have_text("Upload cancelled.")
    shot(nojs_member, tmp_path, "cancelled")
    assert temp_files(prod_server) == before


def test_upload_a_different_image(
    prod_server: ProdServer, nojs_member: Page, tmp_path: Path
) -> None:
    upload_step_one(nojs_member, prod_server, image_file(tmp_path, "b.jpg", jpeg_bytes((80, 60))))
    expect(nojs_member).to_have_url(STEP_TWO)
    nojs_member.get_by_role("button", name="Upload a different image").click()
    expect(nojs_member).to_have_url(prod_server.base_url + "/nojs/images/upload")
    expect(nojs_member.get_by_role("status")).to_have_text("Choose another image.")
    shot(nojs_member, tmp_path, "different")
    upload_step_one(nojs_member, prod_server, image_file(tmp_path, "c.jpg", jpeg_bytes((90, 60))))
    expect(nojs_member).to_have_url(STEP_TWO)
    expect(nojs_member.get_by_text("c.jpg")).to_be_visible()


def test_refused_file_shows_the_reason(
    prod_server: ProdServer, nojs_member: Page, tmp_path: Path
) -> None:
    upload_step_one(
        nojs_member, prod_server, image_file(tmp_path, "notes.jpg", b"just text\n" * 50)
    )
    expect(nojs_member).to_have_url(prod_server.base_url + "/nojs/images/upload")
    expect(nojs_member.get_by_role("alert")).to_have_text(
        "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."
    )
    shot(nojs_member, tmp_path, "refused")


def test_too_large_file_shows_the_message_not_a_reset(
    prod_server: ProdServer, nojs_member: Page, tmp_path: Path
) -> None:
    """The server refuses early, yet reads the rest of the body so the redirect arrives."""
    before = temp_files(prod_server)
    big = tmp_path / "huge.jpg"
    with big.open("wb") as handle:
        handle.write(jpeg_bytes())
        handle.truncate(30 * 1024 * 1024)
    upload_step_one(nojs_member, prod_server, big)
    expect(nojs_member).to_have_url(prod_server.base_url + "/nojs/images/upload")
    expect(nojs_member.get_by_role("alert")).to_contain_text("File is larger than 25 MB")
    shot(nojs_member, tmp_path, "too-large")
    assert temp_files(prod_server) == before
