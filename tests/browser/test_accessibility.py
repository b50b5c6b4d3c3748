"""axe-core on every page of both UIs, with real content, in Debian's Chromium.

Each page is checked in the states people meet: with cards, with field errors, with a
refused file, a dialog open, after a bulk summary. A serious or critical violation fails the
test (all pages are checked first, so one run lists everything); moderate and minor ones are
printed. The /nojs pages carry no script at all (asserted), so axe runs in a JavaScript-on
context there, past their script-refusing CSP: axe itself needs JavaScript, and the page is
the one a JS-off browser gets.
Screenshots and ``axe-violations.json`` are kept in each test's tmp dir.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from imageapp.config import Settings
from imageapp.services.accounts import CurrentUser
from imageapp.services.factory import build_bulk_service, build_gallery_service
from tests.browser.accounts import PASSWORD, create_user, forget_all_accounts, log_in
from tests.browser.axe import AXE_JS, AxeAudit
from tests.browser.library_data import add_active_image, add_gallery
from tests.images import jpeg_bytes, png_bytes
from tests.support.prod_server import ProdServer

SLOW = 30_000
NOT_AN_IMAGE = "This is not a JPEG, PNG, GIF, WebP, HEIC or AVIF image."


@pytest.fixture
def audit(tmp_path: Path) -> AxeAudit:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make axe` (axe-core from the npm registry)")
    return AxeAudit(report_dir=tmp_path)


@pytest.fixture
def library(prod_server: ProdServer) -> tuple[CurrentUser, list[str], int]:
    """A store with three active images (tagged), one inactive, and a gallery of them."""
    user = create_user(prod_server, store=f"Axe {uuid.uuid4().hex[:8]}")
    titles = ["Quay at dawn", "Harbour wall", "Fishing boats", "Old net shed"]
    ids = [
        add_active_image(prod_server, user, title, tags="sea, boats", description="By the sea")
        for title in titles
    ]
    settings = Settings(database_url=prod_server.database_url, storage_dir=prod_server.storage_dir)
    build_bulk_service(settings).set_status(
        store_id=user.store_id, image_ids=ids[3:], status="inactive"
    )
    gallery_id = add_gallery(prod_server, user, "Harbour", ids)
    build_gallery_service(settings).set_featured(
        store_id=user.store_id, gallery_id=gallery_id, image_id=ids[1]
    )
    return user, titles, gallery_id


def write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    return directory / name


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reflex_pages_have_no_serious_axe_violations(
    prod_server: ProdServer,
    browser: Browser,
    scheme: Literal["light", "dark"],
    audit: AxeAudit,
    library: tuple[CurrentUser, list[str], int],
    tmp_path: Path,
) -> None:
    """Every page in light and in dark mode (the UI follows the system's colour scheme)."""
    user, titles, gallery_id = library
    base = prod_server.base_url
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    log_in(page, prod_server, user)
    page.goto(base + "/?status=all")

    expect(page.locator("#library-grid .library-item")).to_have_count(4, timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) library")
    page.get_by_role("checkbox", name=f"Select {titles[0]}").click()
    page.locator("#bulk-tags").fill("quay")
    page.get_by_role("button", name="Add tags").click()
    expect(page.locator("#bulk-outcome")).to_contain_text("1 image", timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) library, bulk summary")
    page.get_by_role("button", name="Delete…").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    audit.check(page, f"Reflex ({scheme}) library, bulk-delete dialog")
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)

    page.goto(base + "/upload")
    expect(page.locator("#upload-empty")).to_be_visible(timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) upload, empty")
    files = tmp_path / "files"
    page.locator("#image-drop input[type=file]").set_input_files(
        [
            str(write(files, "sunrise.jpg", jpeg_bytes((900, 600), seed=3))),
            str(write(files, "meadow.png", png_bytes((400, 300), seed=4))),
            str(write(files, "notes.jpg", b"Shopping list: bread, milk.\n" * 40)),
        ]
    )
    expect(page.locator(".upload-preview")).to_have_count(2, timeout=SLOW)
    expect(page.locator(".upload-card .upload-error")).to_have_text(NOT_AN_IMAGE)
    audit.check(page, f"Reflex ({scheme}) upload, cards and a refused file")
    sunrise = page.locator('.upload-card[data-filename="sunrise.jpg"]')
    title = sunrise.get_by_label("Title")
    expect(title).not_to_have_attribute("aria-describedby", re.compile(r".*"))  # no error yet
    sunrise.get_by_role("button", name="Complete", exact=True).click()
    expect(sunrise.locator(".field-error")).to_have_count(2, timeout=SLOW)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Enter a title.")
    audit.check(page, f"Reflex ({scheme}) upload, field errors")

    page.goto(base + "/")
    page.get_by_role("link", name=titles[0]).click()
    expect(page.locator("#image-detail")).to_be_visible(timeout=SLOW)
    # The edit section with its crop box and zoom control is part of what is checked.
    expect(page.locator("#edit-crop-zoom")).to_be_visible(timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) image page")
    page.get_by_role("link", name=re.compile(r"^Open the original file")).hover()
    audit.check(page, f"Reflex ({scheme}) image page, link hovered", hovering=True)

    page.goto(base + "/galleries")
    expect(page.locator(".gallery-card")).to_have_count(1, timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) galleries")
    page.get_by_role("button", name=re.compile(r"^Rename ")).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    audit.check(page, f"Reflex ({scheme}) galleries, rename dialog")
    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile(r"^Delete ")).click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    audit.check(page, f"Reflex ({scheme}) galleries, delete dialog")
    page.keyboard.press("Escape")

    page.goto(f"{base}/galleries/{gallery_id}")
    expect(page.locator(".gallery-entry")).to_have_count(4, timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) gallery")
    page.get_by_role("button", name=f"Move {titles[0]} down").click()
    expect(page.locator("#gallery-status")).to_contain_text("position 2", timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) gallery, after a move")

    page.goto(base + "/tokens")
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible(timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) API tokens")
    page.get_by_label("Name").fill(f"storefront {scheme}")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token-value")).to_have_value(re.compile(r"^imageapp_"), timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) API tokens, a new token shown")

    page.goto(base + "/?status=all")
    page.get_by_role("button", name="Clear selection").click()  # the tagged one is still ticked
    expect(page.locator("#selected-count")).to_have_text("0 images selected")
    page.get_by_role("checkbox", name=f"Select {titles[2]}").click()
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("button", name="Move to the trash").click()
    expect(page.locator("#bulk-outcome")).to_have_text("1 image moved to the trash.", timeout=SLOW)
    expect(page.locator("#bulk-undo")).to_be_visible()
    audit.check(page, f"Reflex ({scheme}) library, after a delete (Undo)")
    page.goto(base + "/trash")
    expect(page.locator(".trash-item")).to_have_count(1, timeout=SLOW)
    audit.check(page, f"Reflex ({scheme}) trash")
    page.get_by_role("button", name=f"Delete forever: {titles[2]}").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    audit.check(page, f"Reflex ({scheme}) trash, delete-forever dialog")
    page.keyboard.press("Escape")
    context.close()
    audit.finish()


def check_nojs(page: Page, audit: AxeAudit, name: str) -> None:
    """The page is plain HTML: no script, so a JS-off browser gets exactly this."""
    expect(page.locator("script")).to_have_count(0)
    audit.check(page, name)


def test_nojs_pages_have_no_serious_axe_violations(
    prod_server: ProdServer,
    browser: Browser,
    audit: AxeAudit,
    library: tuple[CurrentUser, list[str], int],
    tmp_path: Path,
) -> None:
    user, titles, gallery_id = library
    base = prod_server.base_url
    context = browser.new_context(bypass_csp=True)  # the pages allow no script, axe is one
    page = context.new_page()

    page.goto(base + "/nojs/login")
    check_nojs(page, audit, "login")
    page.get_by_label("Email").fill(user.email)
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_nojs(page, audit, "login, refused")
    log_in(page, prod_server, user)

    page.goto(base + "/nojs/images")
    check_nojs(page, audit, "library")
    page.get_by_role("link", name="Select all on this page").click()
    page.get_by_label("Action").select_option("delete")
    page.get_by_role("button", name="Apply to the selected images").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("to the trash")
    check_nojs(page, audit, "bulk delete confirmation")
    page.goto(base + "/nojs/images?status=all&q=nothing-like-this")
    check_nojs(page, audit, "library, no match")
    page.goto(base + "/nojs/images")
    page.get_by_role("link", name=titles[0]).click()
    check_nojs(page, audit, "image page")
    page.locator("#crop_width").fill("0")
    page.get_by_role("button", name="Crop", exact=True).click()
    expect(page.locator("#crop_width_error")).to_be_visible()
    check_nojs(page, audit, "image page, edit refused")
    page.goto(base + "/nojs/images/999999999")
    check_nojs(page, audit, "not found")

    page.goto(base + "/nojs/images/upload")
    check_nojs(page, audit, "upload step 1")
    files = tmp_path / "files"
    page.get_by_label("Image file").set_input_files(write(files, "notes.jpg", b"text\n" * 50))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("alert")).to_have_text(NOT_AN_IMAGE)
    check_nojs(page, audit, "upload step 1, refused file")
    page.get_by_label("Image file").set_input_files(write(files, "pier.jpg", jpeg_bytes()))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page).to_have_url(re.compile(r".*/nojs/images/upload/metadata$"))
    check_nojs(page, audit, "upload step 2")
    page.get_by_role("button", name="Complete upload").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check_nojs(page, audit, "upload step 2, field errors")
    page.get_by_role("button", name="Cancel upload").last.click()

    for path, name in [
        ("/nojs/galleries", "galleries"),
        (f"/nojs/galleries/{gallery_id}", "one gallery"),
        (f"/nojs/galleries/{gallery_id}/edit", "gallery edit"),
        (f"/nojs/galleries/{gallery_id}/delete", "gallery delete confirmation"),
        ("/nojs/users", "users"),
        ("/nojs/tokens", "API tokens"),
    ]:
        page.goto(base + path)
        check_nojs(page, audit, name)
    page.get_by_label("Name").fill("storefront")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new_token_value")).to_have_value(re.compile(r"^imageapp_"))
    check_nojs(page, audit, "API tokens, a new token shown")

    page.goto(base + "/nojs/images?status=all")
    page.get_by_label(f"Select {titles[2]}").check()
    page.get_by_label("Action").select_option("delete")
    page.get_by_role("button", name="Apply to the selected images").click()
    page.get_by_role("button", name="Move 1 image to the trash").click()
    expect(page.get_by_role("button", name=re.compile(r"^Undo"))).to_be_visible()
    check_nojs(page, audit, "library, after a delete (Undo)")
    page.goto(base + "/nojs/trash")
    check_nojs(page, audit, "trash")
    page.get_by_role("button", name=f"Delete forever… {titles[2]}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("forever")
    check_nojs(page, audit, "trash, delete forever confirmation")
    context.close()
    audit.finish()


def test_nojs_setup_has_no_serious_axe_violations(
    prod_server: ProdServer, browser: Browser, audit: AxeAudit
) -> None:
    """Only reachable while nobody exists: the shared server forgets its accounts first."""
    forget_all_accounts(prod_server)
    context = browser.new_context(bypass_csp=True)  # the pages allow no script, axe is one
    page = context.new_page()
    page.goto(prod_server.base_url + "/nojs/setup")
    check_nojs(page, audit, "setup")
    page.get_by_label("Store name").fill("Harbour Photos")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Create store and account").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check_nojs(page, audit, "setup, field errors")
    context.close()
    audit.finish()
