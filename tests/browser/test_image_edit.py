"""Editing in Chromium against the production build: without JavaScript a click on the
picker (an ``<input type="image">``) sets the focal point; in the Reflex page rotate, a crop
of a chosen ratio moved with the keyboard, typed focal point, Save, and the served rendition
following the edit; Reset."""

from __future__ import annotations

import re
import time
import uuid
from io import BytesIO

from PIL import Image
from playwright.sync_api import Page, expect

from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.edits import EditedImage, FocalPoint, ImageEdit, read_edit
from tests.browser.accounts import create_user, log_in
from tests.browser.library_data import add_active_image
from tests.support.prod_server import ProdServer

SLOW = 30_000


def edit_of(server: ProdServer, user: CurrentUser, image_id: int) -> EditedImage:
    found = read_edit(get_engine(server.database_url), store_id=user.store_id, image_id=image_id)
    assert found is not None
    return found


def served_size(page: Page, url: str, wanted: tuple[int, int]) -> tuple[int, int]:
    """The size of the picture served at ``url`` once it is ``wanted`` (the renditions are
    remade by the server's worker a moment after the save), or the last one seen."""
    deadline, size = time.monotonic() + SLOW / 1000, (0, 0)
    while time.monotonic() < deadline:
        response = page.request.get(url)
        if response.ok:
            size = Image.open(BytesIO(response.body())).size
            if size == wanted:
                break
        time.sleep(0.3)
    return size


def settled_value(page: Page, selector: str) -> int:
    """The field's number once it has stopped changing for a moment."""
    last, deadline = page.locator(selector).input_value(), time.monotonic() + SLOW / 1000
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = page.locator(selector).input_value()
        if now == last:
            break
        last = now
    return int(last)


def test_without_javascript_a_click_on_the_picture_sets_the_focal_point(
    prod_server: ProdServer, nojs_page: Page
) -> None:
    user = create_user(prod_server, store=f"Edit {uuid.uuid4().hex[:8]}")
    image_id = add_active_image(prod_server, user, "Quay at noon")  # 800 x 600
    log_in(nojs_page, prod_server, user)
    nojs_page.goto(f"{prod_server.base_url}/nojs/images/{image_id}")
    picker = nojs_page.get_by_role(
        "button", name="Or click the focal point in the upright original"
    )
    expect(picker).to_have_attribute("width", "640")
    picker.click(position={"x": 320, "y": 120})  # shown at 640 x 480: scale 1.25

    expect(nojs_page.locator(".flash-success")).to_contain_text("Focal point set at")
    focal = edit_of(prod_server, user, image_id).edit.focal
    assert focal is not None
    assert abs(focal.x - 400) <= 2, focal
    assert abs(focal.y - 150) <= 2, focal
    expect(nojs_page.locator("#focal_x")).to_have_value(str(focal.x))

    nojs_page.get_by_role("button", name="Rotate right").click()
    expect(nojs_page.locator(".flash-success")).to_have_text(
        "Rotated to the right. New renditions are being made."
    )
    assert edit_of(prod_server, user, image_id).edit.rotate == 90


def test_reflex_page_rotates_crops_to_a_ratio_by_keyboard_and_sets_the_focal_point(
    prod_server: ProdServer, page: Page
) -> None:
    user = create_user(prod_server, store=f"Edit {uuid.uuid4().hex[:8]}")
    image_id = add_active_image(prod_server, user, "Harbour wall")  # 800 x 600
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/images/{image_id}")
    section = page.locator("#image-edit")
    expect(section).to_be_visible(timeout=SLOW)
    expect(page.locator("#edit-crop-width")).to_have_value("800", timeout=SLOW)

    section.get_by_role("button", name="Rotate right").click()
    expect(page.locator("#edit-rotation")).to_have_text("Rotation: 90° (not saved yet)")
    # 16:9 after a quarter turn: a 9:16 box of the upright original, as high as it is.
    section.get_by_role("radio", name="Wide (16:9)").click()
    # The height was 600 before the ratio too: wait for the width, which the ratio changes.
    expect(page.locator("#edit-crop-width")).to_have_value(re.compile(r"^33[78]$"), timeout=SLOW)
    expect(page.locator("#edit-crop-height")).to_have_value("600")
    width = int(page.locator("#edit-crop-width").input_value())
    assert abs(width - 600 * 9 / 16) <= 1, width
    start_x = int(page.locator("#edit-crop-x").input_value())

    box = page.get_by_role("group", name="Crop box")
    box.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#edit-crop-x")).not_to_have_value(str(start_x), timeout=SLOW)
    crop_x = settled_value(page, "#edit-crop-x")  # each key's release reports the box

    page.locator("#edit-focal-x").fill(str(crop_x + 10))
    page.locator("#edit-focal-y").fill("300")
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-message")).to_have_text(
        "Edit saved. New renditions are being made.", timeout=SLOW
    )

    saved = edit_of(prod_server, user, image_id)
    assert saved.edit.rotate == 90
    assert saved.edit.crop is not None
    assert (saved.edit.crop.x, saved.edit.crop.height) == (crop_x, 600)
    assert saved.edit.crop.width == width
    assert saved.edit.focal == FocalPoint(crop_x + 10, 300)
    assert (saved.edited_width, saved.edited_height) == (600, width)
    thumb = round(320 * width / 600)
    assert served_size(
        page, f"{prod_server.base_url}/media/{image_id}/thumb.jpg", (320, thumb)
    ) == (320, thumb)

    page.locator("#edit-focal-x").fill("5")  # outside the crop: refused, nothing changed
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-focal-x-error")).to_have_text(
        "The focal point must be inside the crop.", timeout=SLOW
    )
    expect(page.locator("#edit-focal-x")).to_have_attribute("aria-invalid", "true")
    assert edit_of(prod_server, user, image_id).edit == saved.edit

    section.get_by_role("button", name="Reset to the original").click()
    expect(page.locator("#edit-message")).to_contain_text("Back to the original", timeout=SLOW)
    expect(page.locator("#edit-crop-width")).to_have_value("800")
    assert edit_of(prod_server, user, image_id).edit == ImageEdit()
    assert served_size(page, f"{prod_server.base_url}/media/{image_id}/thumb.jpg", (320, 240)) == (
        320,
        240,
    )


def test_reflex_focal_point_by_a_click_on_the_picture(prod_server: ProdServer, page: Page) -> None:
    user = create_user(prod_server, store=f"Edit {uuid.uuid4().hex[:8]}")
    image_id = add_active_image(prod_server, user, "Net shed")  # 800 x 600
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/images/{image_id}")
    picker = page.locator("#edit-focal-picker")
    expect(picker).to_be_visible(timeout=SLOW)
    shown = picker.bounding_box()
    assert shown is not None
    picker.click(position={"x": shown["width"] / 4, "y": shown["height"] / 2})
    expect(page.locator("#edit-focal-marker")).to_be_visible(timeout=SLOW)
    expect(page.locator("#edit-focal-y")).not_to_have_value("")
    assert abs(int(page.locator("#edit-focal-x").input_value()) - 200) <= 3
    assert abs(int(page.locator("#edit-focal-y").input_value()) - 300) <= 3


NATURAL_SIZE = "img => [img.naturalWidth, img.naturalHeight]"
MARK = "window.__sameDocument = true"
STILL_MARKED = "() => window.__sameDocument === true"


def test_reflex_page_swaps_in_the_remade_renditions_after_a_rotation(
    prod_server: ProdServer, page: Page
) -> None:
    """Rotate + Save: the open page shows the re-made picture (turned) without a reload."""
    user = create_user(prod_server, store=f"Edit {uuid.uuid4().hex[:8]}")
    image_id = add_active_image(prod_server, user, "Slipway")  # 800 x 600
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/images/{image_id}")
    shown = page.locator("#image-detail picture img")
    expect(shown).to_have_attribute("src", re.compile(rf"^/media/{image_id}/web\."), timeout=SLOW)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=shown.element_handle(), timeout=SLOW
    )
    width, height = shown.evaluate(NATURAL_SIZE)
    assert width > height, (width, height)
    before = shown.get_attribute("src")
    page.evaluate(MARK)

    section = page.locator("#image-edit")
    section.get_by_role("button", name="Rotate right").click()
    section.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-message")).to_have_text(
        "Edit saved. New renditions are being made.", timeout=SLOW
    )
    expect(shown).not_to_have_attribute("src", before or "", timeout=SLOW)
    page.wait_for_function(
        "img => img.complete && img.naturalHeight > img.naturalWidth",
        arg=shown.element_handle(),
        timeout=SLOW,
    )
    turned = shown.evaluate(NATURAL_SIZE)
    assert turned[0] * width == turned[1] * height or abs(turned[0] / turned[1] - 0.75) < 0.01
    expect(page.locator("#image-remaking")).to_have_count(0)  # the note goes with the swap
    assert page.evaluate(STILL_MARKED), "the page was reloaded"


def test_reflex_crop_zooms_with_the_keyboard_to_a_smaller_crop(
    prod_server: ProdServer, page: Page
) -> None:
    """No wheel, no pointer: the Zoom slider's arrow keys and the Zoom in button (by Enter)
    make the box cover less of the picture, which Save keeps."""
    user = create_user(prod_server, store=f"Edit {uuid.uuid4().hex[:8]}")
    image_id = add_active_image(prod_server, user, "Boathouse")  # 800 x 600
    log_in(page, prod_server, user)
    page.goto(f"{prod_server.base_url}/images/{image_id}")
    expect(page.locator("#edit-crop-width")).to_have_value("800", timeout=SLOW)

    zoom = page.get_by_label("Zoom", exact=True)
    zoom.focus()
    for _ in range(10):  # 1.0 -> 2.0
        page.keyboard.press("ArrowRight")
    expect(zoom).to_have_value("2")
    expect(page.locator("#edit-crop-width")).not_to_have_value("800", timeout=SLOW)
    assert abs(settled_value(page, "#edit-crop-width") - 400) <= 1
    page.get_by_role("button", name="Zoom in").focus()
    page.keyboard.press("Enter")  # 2.0 -> 2.5
    expect(zoom).to_have_value("2.5")
    assert abs(settled_value(page, "#edit-crop-width") - 320) <= 1
    width, height = (settled_value(page, f"#edit-crop-{side}") for side in ("width", "height"))
    assert abs(height - 240) <= 1

    page.locator("#image-edit").get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#edit-message")).to_have_text(
        "Edit saved. New renditions are being made.", timeout=SLOW
    )
    crop = edit_of(prod_server, user, image_id).edit.crop
    assert crop is not None
    assert (crop.width, crop.height) == (width, height)
