"""The no-JS edit form on an image's page (POST /nojs/images/{id}/edit): each action, the
focal picker's click (``focal.x``/``focal.y`` in displayed pixels) mapped to original pixels,
refusals with their message next to the field (422, nothing changed), CSRF, other stores."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.edits import CropBox, EditedImage, FocalPoint, ImageEdit, read_edit
from tests.http.conftest import FLASH_PATTERN, complete, csrf_of, move_to_trash, upload
from tests.images import jpeg_bytes

SIZE = (800, 600)  # shown at 640 x 480 by the focal picker (its longest side is 640)
REMAKING = "New renditions are being made."


def new_image(client: TestClient, seed: int = 7) -> int:
    assert upload(client, data=jpeg_bytes(SIZE, seed=seed)).status_code == 303
    response = complete(client, title="Harbour at noon")
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def edited(settings: Settings, user: CurrentUser, image_id: int) -> EditedImage:
    found = read_edit(get_engine(settings.database_url), store_id=user.store_id, image_id=image_id)
    assert found is not None
    return found


def post_edit(client: TestClient, image_id: int, csrf: str | None = None, **fields: str):
    token = csrf if csrf is not None else csrf_of(client, f"/nojs/images/{image_id}")
    return client.post(f"/nojs/images/{image_id}/edit", data={"csrf_token": token, **fields})


def said(client: TestClient, response) -> list[str]:  # response: httpx.Response
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("#edit")
    page = client.get(response.headers["location"].split("#")[0])
    return [html.unescape(text) for text in FLASH_PATTERN.findall(page.text)]


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input type="number" id="{name}" name="{name}" value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def test_the_page_has_the_edit_form(client: TestClient) -> None:
    image_id = new_image(client)
    page = client.get(f"/nojs/images/{image_id}").text
    assert f'action="/nojs/images/{image_id}/edit"' in page
    for value in ("rotate_left", "rotate_right", "reset"):
        assert f'name="action" value="{value}"' in page
    assert [field_value(page, name) for name in ("crop_x", "crop_y", "crop_width")] == [
        "0",
        "0",
        "800",
    ]
    assert field_value(page, "focal_x") == ""
    picker = re.search(r'<input type="image" name="focal"[^>]*>', page)
    assert picker, page
    assert 'width="640" height="480"' in picker.group(0)
    assert f'src="/media/{image_id}"' in picker.group(0)  # the upright original
    for ratio in ("free", "1:1", "4:3", "3:2", "16:9"):
        assert f'<option value="{ratio}"' in page


def test_rotate_left_and_right_then_reset(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image_id = new_image(client)
    assert said(client, post_edit(client, image_id, action="rotate_right")) == [
        f"Rotated to the right. {REMAKING}"
    ]
    assert edited(app_settings, alice, image_id).edit.rotate == 90
    assert said(client, post_edit(client, image_id, action="rotate_left")) == [
        f"Rotated to the left. {REMAKING}"
    ]
    assert said(client, post_edit(client, image_id, action="rotate_left"))
    assert edited(app_settings, alice, image_id).edit.rotate == 270
    post_edit(client, image_id, action="focal", focal_x="10", focal_y="20")
    assert said(client, post_edit(client, image_id, action="reset")) == [
        f"Back to the original picture. {REMAKING}"
    ]
    assert edited(app_settings, alice, image_id).edit == ImageEdit()


def test_crop_free_and_with_a_ratio(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image_id = new_image(client)
    box = {"crop_x": "100", "crop_y": "50", "crop_width": "400", "crop_height": "300"}
    assert said(client, post_edit(client, image_id, action="crop", ratio="free", **box)) == [
        f"Cropped to 400 × 300 pixels. {REMAKING}"  # noqa: RUF001
    ]
    found = edited(app_settings, alice, image_id)
    assert found.edit.crop == CropBox(100, 50, 400, 300)
    assert (found.edited_width, found.edited_height) == (400, 300)
    page = client.get(f"/nojs/images/{image_id}").text
    assert field_value(page, "crop_width") == "400"

    whole = {"crop_x": "0", "crop_y": "0", "crop_width": "800", "crop_height": "600"}
    post_edit(client, image_id, action="crop", ratio="1:1", **whole)  # shrunk around the centre
    assert edited(app_settings, alice, image_id).edit.crop == CropBox(100, 0, 600, 600)
    post_edit(client, image_id, action="crop", ratio="16:9", **whole)
    assert edited(app_settings, alice, image_id).edit.crop == CropBox(0, 75, 800, 450)

    # After a quarter turn a 16:9 picture needs a 9:16 box of the upright original.
    post_edit(client, image_id, action="rotate_right")
    post_edit(client, image_id, action="crop", ratio="16:9", **whole)
    found = edited(app_settings, alice, image_id)
    assert found.edit.crop == CropBox(231, 0, 337, 600)
    assert found.edit.rotate == 90
    assert (found.edited_width, found.edited_height) == (600, 337)

    assert said(client, post_edit(client, image_id, action="crop", ratio="free", **whole)) == [
        f"Crop removed. {REMAKING}"
    ]
    assert edited(app_settings, alice, image_id).edit.crop is None


def test_focal_point_by_numbers_and_removed(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image_id = new_image(client)
    assert said(
        client, post_edit(client, image_id, action="focal", focal_x="10", focal_y="20")
    ) == [f"Focal point set at 10, 20. {REMAKING}"]
    assert edited(app_settings, alice, image_id).edit.focal == FocalPoint(10, 20)
    assert field_value(client.get(f"/nojs/images/{image_id}").text, "focal_y") == "20"
    post_edit(client, image_id, action="focal", focal_x="", focal_y="")
    assert edited(app_settings, alice, image_id).edit.focal is None


def test_a_click_on_the_picker_sets_the_scaled_focal_point(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    """What a browser sends for a click on ``<input type="image" name="focal">``: the
    position in the 640 x 480 picture, no ``action`` (the picker is the submit button)."""
    image_id = new_image(client)
    response = post_edit(client, image_id, **{"focal.x": "100", "focal.y": "200"})
    assert said(client, response) == [f"Focal point set at 125, 250. {REMAKING}"]
    assert edited(app_settings, alice, image_id).edit.focal == FocalPoint(125, 250)
    post_edit(client, image_id, **{"focal.x": "640", "focal.y": "480"})  # the far corner
    assert edited(app_settings, alice, image_id).edit.focal == FocalPoint(799, 599)


def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    image_id = new_image(client)
    post_edit(client, image_id, action="rotate_right")
    before = edited(app_settings, alice, image_id)

    cases = [
        (
            {"crop_x": "0", "crop_y": "0", "crop_width": "0", "crop_height": "300"},
            "crop_width",
            "The crop needs a width of at least 1 px.",
        ),
        (
            {"crop_x": "700", "crop_y": "0", "crop_width": "400", "crop_height": "300"},
            "crop_width",
            "The crop goes past the right edge of the image (width 800 px).",
        ),
        (
            {"crop_x": "ten", "crop_y": "0", "crop_width": "400", "crop_height": "300"},
            "crop_x",
            "Enter a whole number of pixels.",
        ),
    ]
    for fields, name, message in cases:
        response = post_edit(client, image_id, action="crop", ratio="free", **fields)
        assert response.status_code == 422, response.text
        page = response.text
        assert f'<p class="field-error" id="{name}_error">{html.escape(message)}</p>' in page
        field = re.search(rf'<input type="number" id="{name}"[^>]*>', page)
        assert field, page
        assert 'aria-invalid="true"' in field.group(0)
        assert f'aria-describedby=" {name}_error"' in field.group(0)
        assert field_value(page, name) == fields[name]  # as sent
        assert "Nothing was changed: correct the marked fields." in page
        assert edited(app_settings, alice, image_id) == before

    post_edit(
        client,
        image_id,
        action="crop",
        **{"crop_x": "0", "crop_y": "0", "crop_width": "400", "crop_height": "300"},
    )
    before = edited(app_settings, alice, image_id)
    response = post_edit(client, image_id, action="focal", focal_x="500", focal_y="100")
    assert response.status_code == 422
    assert "The focal point must be inside the crop." in response.text
    assert field_value(response.text, "focal_x") == "500"
    assert field_value(response.text, "crop_width") == "400"  # the saved crop, not emptied
    response = post_edit(client, image_id, action="focal", focal_x="5", focal_y="")
    assert response.status_code == 422
    assert 'id="focal_y_error">Enter a whole number of pixels.' in response.text
    assert post_edit(client, image_id, action="sharpen").status_code == 422
    assert edited(app_settings, alice, image_id) == before


def test_csrf_is_required(client: TestClient, app_settings: Settings, alice: CurrentUser) -> None:
    image_id = new_image(client)
    response = post_edit(client, image_id, csrf="forged", action="rotate_right")
    assert response.status_code == 403
    assert edited(app_settings, alice, image_id).edit == ImageEdit()


def test_another_stores_or_a_trashed_image_is_not_found(
    client: TestClient,
    stranger_client: TestClient,
    app_settings: Settings,
    alice: CurrentUser,
) -> None:
    image_id = new_image(client)
    response = post_edit(stranger_client, image_id, "", action="rotate_right")
    assert response.status_code == 403  # no token of this page: refused before anything
    token = csrf_of(stranger_client, "/nojs/images")
    response = post_edit(stranger_client, image_id, token, action="rotate_right")
    assert response.status_code == 404
    assert edited(app_settings, alice, image_id).edit == ImageEdit()
    assert post_edit(client, 999_999, action="rotate_right").status_code == 404

    trashed = new_image(client, seed=8)
    move_to_trash(client, [trashed])
    token = csrf_of(client, "/nojs/images")
    assert post_edit(client, trashed, token, action="rotate_right").status_code == 404


def test_a_whole_edit_save_from_a_stale_page_overwrites_nothing(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    """A Save names the edit it was built from; another window turned the image meanwhile."""
    from imageapp.services.usecases.edits import edit_version

    image_id = new_image(client)
    built_on = edit_version(ImageEdit())
    said(client, post_edit(client, image_id, action="rotate_right"))
    whole = {"rotate": "0", "crop_x": "0", "crop_y": "0", "crop_width": "400"}
    whole |= {"crop_height": "300", "focal_x": "", "focal_y": ""}
    response = post_edit(client, image_id, action="save", edit_version=built_on, **whole)
    assert said(client, response) == [
        "This image was changed in another window; here is its current edit."
    ]
    assert edited(app_settings, alice, image_id).edit == ImageEdit(rotate=90)
    current = edit_version(ImageEdit(rotate=90))
    response = post_edit(client, image_id, action="save", edit_version=current, **whole)
    assert said(client, response) == [f"Edit saved. {REMAKING}"]
    assert edited(app_settings, alice, image_id).edit == ImageEdit(crop=CropBox(0, 0, 400, 300))
