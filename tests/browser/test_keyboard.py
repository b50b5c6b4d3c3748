"""Both UIs with the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape, typing), on the
`make run` build: every control reached in the page's order shows a focus ring, and what
happens is announced by polite live regions without taking the focus away.

Each test saves a screenshot of every step in its tmp dir (``NN-step.png``).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from imageapp.services.accounts import CurrentUser
from tests.browser.accounts import create_user, log_in
from tests.browser.keyboard import file_chooser_from_key, tab_to
from tests.browser.library_data import add_active_image, add_gallery, gallery_order, screenshots
from tests.images import jpeg_bytes, png_bytes
from tests.support.prod_server import ProdServer

SLOW = 30_000
# Animations and transitions a person could see move (longer than a millisecond), running.
VISIBLE_MOTION = """() => document.getAnimations()
  .filter((motion) => motion.playState === "running"
    && motion.effect.getComputedTiming().duration > 1)
  .map((motion) => `${motion.animationName || motion.transitionProperty}`
    + ` on ${motion.effect.target?.outerHTML.slice(0, 120)}`)"""


@pytest.fixture
def user(prod_server: ProdServer) -> CurrentUser:
    return create_user(prod_server, store=f"Keyboard {uuid.uuid4().hex[:8]}")


def write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    return directory / name


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def press_button(page: Page, button: Locator, key: str = "Enter") -> None:
    tab_to(page, button)
    page.keyboard.press(key)


def test_upload_two_files_describe_and_complete_with_the_keyboard(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + "/upload")
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)
    log = page.get_by_role("log", name="Upload progress")
    expect(log).to_have_attribute("aria-live", "polite")
    log_element = log.element_handle()  # in the page before anything happens: announced
    choose = page.get_by_role("button", name="Choose images")
    files = tmp_path / "files"
    photos = [
        str(write(files, "sunrise.jpg", jpeg_bytes((900, 600), seed=21))),
        str(write(files, "meadow.png", png_bytes((400, 300), seed=22))),
    ]

    tab_to(page, choose)
    file_chooser_from_key(page, "Enter").set_files(photos)

    expect(page.locator(".upload-preview")).to_have_count(2, timeout=SLOW)
    expect(log).to_contain_text("sunrise.jpg uploaded.")
    expect(log).to_contain_text("meadow.png uploaded.")
    expect(choose).to_be_focused()  # the announcements did not move the focus
    shoot("uploaded")

    for filename, title in (("sunrise.jpg", "Sunrise"), ("meadow.png", "Meadow")):
        card = page.locator(f'.upload-card[data-filename="{filename}"]')
        type_into(page, card.get_by_label("Title"), f"{title} at the quay")
        page.keyboard.press("Tab")  # the next field on screen is the next in order
        expect(card.get_by_label("Alt text")).to_be_focused()
        page.keyboard.type(f"{title} seen from the harbour wall")
    type_into(page, page.get_by_label("Tags for all"), "coast")
    press_button(page, page.get_by_role("button", name="Apply to all"))
    for card in page.locator(".upload-card").all():
        expect(card.get_by_label("Tags")).to_have_value("coast")
    shoot("described")

    complete_all = page.get_by_role("button", name=re.compile(r"^Complete all"))
    press_button(page, complete_all)

    saved = page.locator("#upload-saved")
    expect(saved.get_by_role("link", name="Sunrise at the quay")).to_be_visible(timeout=SLOW)
    expect(saved.get_by_role("link", name="Meadow at the quay")).to_be_visible()
    expect(log).to_contain_text("2 of 2 images saved.")
    assert log_element.evaluate("element => element.isConnected")  # the same region
    shoot("saved")

    press_button(page, saved.get_by_role("link", name="Open the library"))
    expect(page).to_have_url(prod_server.base_url + "/")
    expect(page.locator("#library-grid .library-item")).to_have_count(2, timeout=SLOW)


def rows(page: Page) -> Locator:
    return page.locator("#gallery-entries .gallery-entry .entry-title")


def test_reorder_a_gallery_and_choose_its_cover_with_the_keyboard(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    titles = ["Quay", "Lighthouse", "Nets"]
    ids = [add_active_image(prod_server, user, title) for title in titles]
    gallery_id = add_gallery(prod_server, user, "Harbour walk", ids)
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/galleries/{gallery_id}")
    expect(rows(page)).to_have_text(titles, timeout=SLOW)
    status = page.locator("#gallery-status")
    expect(status).to_have_attribute("aria-live", "polite")

    down = page.get_by_role("button", name="Move Quay down")
    press_button(page, down)

    expect(rows(page)).to_have_text(["Lighthouse", "Quay", "Nets"], timeout=SLOW)
    expect(status).to_have_text("Moved 'Quay' to position 2 of 3.")
    expect(down).to_be_focused()  # on the moved image's button, wherever it is now
    page.keyboard.press("Enter")
    expect(rows(page)).to_have_text(["Lighthouse", "Nets", "Quay"], timeout=SLOW)
    expect(status).to_have_text("Moved 'Quay' to position 3 of 3.")
    press_button(page, page.get_by_role("button", name="Move Nets up"), key="Space")
    expect(rows(page)).to_have_text(["Nets", "Lighthouse", "Quay"], timeout=SLOW)
    assert gallery_order(prod_server, user, gallery_id) == [ids[2], ids[1], ids[0]]
    shoot("reordered")

    press_button(page, page.get_by_role("button", name="Make cover: Lighthouse"))
    expect(status).to_contain_text("cover", timeout=SLOW)
    lighthouse = page.locator('.gallery-entry[data-title="Lighthouse"]')
    expect(lighthouse.get_by_text("Cover", exact=True)).to_be_visible()
    shoot("cover")


def expect_focus_trapped(page: Page, dialog: Locator, presses: int = 6) -> None:
    """Tab and Shift+Tab go round the dialog's own controls, never behind it."""
    for key in ["Tab"] * presses + ["Shift+Tab"] * presses:
        page.keyboard.press(key)
        assert dialog.evaluate("dialog => dialog.contains(document.activeElement)"), (
            f"{key} left the dialog"
        )


def test_library_selection_bulk_actions_and_delete_dialog_with_the_keyboard(
    prod_server: ProdServer, page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    shoot = screenshots(page, tmp_path)
    for title in ("Anchor", "Buoy", "Cliff"):
        add_active_image(prod_server, user, title)
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + "/")
    expect(page.locator("#library-grid .library-item")).to_have_count(3, timeout=SLOW)
    outcome = page.locator("#bulk-outcome")
    expect(outcome).to_have_attribute("role", "status")
    expect(outcome).to_have_attribute("aria-live", "polite")
    outcome_element = outcome.element_handle()

    for title in ("Anchor", "Cliff"):
        press_button(page, page.get_by_role("checkbox", name=f"Select {title}"), key="Space")
    expect(page.locator("#selected-count")).to_have_text("2 images selected")
    type_into(page, page.get_by_label("Tags to add to the selection"), "harbour")
    press_button(page, page.get_by_role("button", name="Add tags"))
    expect(outcome).to_have_text("Tags harbour added to 2 images.", timeout=SLOW)
    assert outcome_element.evaluate("region => region.isConnected")  # the same region
    shoot("tagged")

    delete = page.get_by_role("button", name="Delete…")
    press_button(page, delete, key="Space")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Move 2 images to the trash?")
    expect_focus_trapped(page, dialog)
    shoot("question")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(delete).to_be_focused()  # back where the question came from

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    press_button(page, dialog.get_by_role("button", name="Move to the trash"))
    expect(outcome).to_contain_text("2 images moved to the trash", timeout=SLOW)
    expect(page.locator("#library-grid .library-item")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # the opener is disabled now
    shoot("deleted")
    press_button(page, page.get_by_role("button", name=re.compile(r"^Undo")))
    expect(outcome).to_have_text("2 images restored.", timeout=SLOW)
    expect(page.locator("#library-grid .library-item")).to_have_count(3)


def test_gallery_delete_dialog_traps_the_focus_and_gives_it_back(
    prod_server: ProdServer, page: Page, user: CurrentUser
) -> None:
    add_gallery(prod_server, user, "Winter")
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + "/galleries")
    delete = page.get_by_role("button", name="Delete Winter")

    press_button(page, delete)
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Winter")
    expect_focus_trapped(page, dialog)
    page.keyboard.press("Escape")

    expect(dialog).to_have_count(0)
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    press_button(page, dialog.get_by_role("button", name="Delete gallery"))
    expect(page.locator("#galleries-status")).to_have_text(
        "Gallery 'Winter' deleted.",
        timeout=SLOW,  # it held no images (the use case's wording)
    )
    expect(page.get_by_role("heading", level=1, name="Galleries")).to_be_focused()


def test_nojs_upload_with_the_keyboard_and_javascript_off(
    prod_server: ProdServer, nojs_page: Page, user: CurrentUser, tmp_path: Path
) -> None:
    page = nojs_page
    shoot = screenshots(page, tmp_path)
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + "/nojs/images/upload")
    photo = write(tmp_path / "files", "pier.jpg", jpeg_bytes((640, 480), seed=23))

    tab_to(page, page.get_by_label("Image file"))
    file_chooser_from_key(page, "Space").set_files(photo)
    press_button(page, page.get_by_role("button", name="Upload and continue"))
    expect(page).to_have_url(re.compile(r".*/nojs/images/upload/metadata$"))
    shoot("step-two")

    type_into(page, page.get_by_label("Alt text"), "A wooden pier at low tide")
    press_button(page, page.get_by_role("button", name="Complete upload"))
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile(r"Enter a title\."))
    shoot("error")

    type_into(page, title, "The old pier")
    press_button(page, page.get_by_role("button", name="Complete upload"))
    expect(page).to_have_url(re.compile(r".*/nojs/images/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Your image was uploaded.")
    expect(page.get_by_role("heading", name="The old pier")).to_be_visible()
    shoot("done")


def test_reduced_motion_stills_the_dialogs_and_transitions(
    prod_server: ProdServer, browser: Browser, user: CurrentUser
) -> None:
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    add_gallery(prod_server, user, "Still")
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + "/galleries")
    delete = page.get_by_role("button", name="Delete Still")
    assert delete.evaluate("button => getComputedStyle(button).transitionDuration") == "1e-05s"

    delete.click()

    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert page.evaluate(VISIBLE_MOTION) == []
    context.close()


@pytest.mark.parametrize("javascript", ["on", "off"])
def test_the_first_tab_stop_skips_the_header_to_the_content(
    prod_server: ProdServer, page: Page, nojs_page: Page, user: CurrentUser, javascript: str
) -> None:
    page = page if javascript == "on" else nojs_page
    log_in(page, prod_server, user)
    page.goto(prod_server.base_url + ("/galleries" if javascript == "on" else "/nojs/galleries"))
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=SLOW)
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).not_to_be_in_viewport()  # out of sight until it has the focus

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the content, not the header
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert not page.evaluate(
        "() => document.querySelector('header').contains(document.activeElement)"
    )
