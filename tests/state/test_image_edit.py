"""ImageEditState: the saved edit loaded, the cropper's area kept inside the picture, a click
on the picture as original pixels, the cropper's ratio after a quarter turn, Save (refused:
errors by field, nothing stored) and Reset, other stores' images not editable."""

from __future__ import annotations

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.edits import CropBox, FocalPoint, ImageEdit, read_edit
from imageapp.state.image_edit import ImageEditState
from tests.state.conftest import Member, active_image, call, make_state, sign_in

# active_image: 64 x 48 pixels


def opened(member: Member, image_id: int) -> ImageEditState:
    state = make_state(ImageEditState, member.cookie, f"/images/{image_id}")
    call(ImageEditState.load_edit, state)
    return state


def saved_edit(member: Member, image_id: int) -> ImageEdit:
    found = read_edit(get_engine(), store_id=member.user.store_id, image_id=image_id)
    assert found is not None
    return found.edit


def test_loads_the_whole_picture_as_the_crop(member: Member) -> None:
    image_id = active_image(member, "Harbour")
    state = opened(member, image_id)
    assert state.ready
    assert (state.original_width, state.original_height) == (64, 48)
    assert (state.crop_x, state.crop_y, state.crop_width, state.crop_height) == (
        "0",
        "0",
        "64",
        "48",
    )
    assert (state.focal_x, state.focal_y, state.rotate) == ("", "", 0)
    assert state.source_url == f"/media/{image_id}/original-preview.jpg"


def test_cropper_area_is_kept_inside_and_a_click_is_scaled(member: Member) -> None:
    state = opened(member, active_image(member, "Quay"))
    call(ImageEditState.crop_complete, state, {"x": -1, "y": 3.4, "width": 65.2, "height": 20})
    assert (state.crop_x, state.crop_y, state.crop_width, state.crop_height) == (
        "0",
        "3",
        "64",
        "20",
    )
    call(ImageEditState.pick_focal, state, 0.25, 0.5)
    assert (state.focal_x, state.focal_y) == ("16", "24")
    call(ImageEditState.pick_focal, state, 1.0, 1.0)  # the far edge is the last pixel
    assert (state.focal_x, state.focal_y) == ("63", "47")


def test_the_ratio_is_the_finished_pictures(member: Member) -> None:
    state = opened(member, active_image(member, "Wall"))
    call(ImageEditState.set_ratio, state, "16:9")
    assert state.aspect == 16 / 9
    call(ImageEditState.rotate_right, state)
    assert state.aspect == 9 / 16
    assert state.rotation_text == "Rotation: 90° (not saved yet)"
    call(ImageEditState.set_ratio, state, "free")
    assert state.aspect == 64 / 48


def test_save_stores_the_edit_and_reset_undoes_it(member: Member) -> None:
    image_id = active_image(member, "Boats")
    state = opened(member, image_id)
    call(ImageEditState.rotate_left, state)
    call(ImageEditState.crop_complete, state, {"x": 8, "y": 4, "width": 32, "height": 24})
    call(ImageEditState.set_field, state, "focal_x", "10")
    call(ImageEditState.set_field, state, "focal_y", "20")
    call(ImageEditState.save, state)
    assert state.message == "Edit saved. New renditions are being made."
    assert saved_edit(member, image_id) == ImageEdit(
        rotate=270, crop=CropBox(8, 4, 32, 24), focal=FocalPoint(10, 20)
    )
    assert state.rotation_text == "Rotation: 270°"

    call(ImageEditState.reset_edit, state)
    assert saved_edit(member, image_id) == ImageEdit()
    assert (state.rotate, state.crop_width, state.focal_x) == (0, "64", "")


def test_refused_values_are_reported_by_field_and_nothing_is_stored(member: Member) -> None:
    image_id = active_image(member, "Shed")
    state = opened(member, image_id)
    call(ImageEditState.set_field, state, "crop_width", "0")
    call(ImageEditState.set_field, state, "focal_y", "x")
    call(ImageEditState.set_field, state, "focal_x", "3")
    call(ImageEditState.save, state)
    assert state.errors == {"focal_y": "Enter a whole number of pixels."}
    call(ImageEditState.set_field, state, "focal_y", "3")
    call(ImageEditState.save, state)
    assert state.errors == {"crop_width": "The crop needs a width of at least 1 px."}
    assert state.message == "Nothing was changed: correct the marked fields."
    assert saved_edit(member, image_id) == ImageEdit()


def test_another_stores_image_is_not_editable(app_settings: Settings, member: Member) -> None:
    theirs = active_image(sign_in(app_settings, store="Another Store"), "Theirs")
    state = opened(member, theirs)
    assert not state.ready
    state.image_id = theirs  # even if the browser claims it
    call(ImageEditState.save, state)
    assert state.message == "There is no image at this address."
    assert not state.ready


def test_a_save_from_a_stale_page_overwrites_nothing_and_shows_the_current_edit(
    app_settings: Settings, member: Member
) -> None:
    """Two tabs: this one was opened on the original; the other saved a turn meanwhile."""
    image_id = active_image(member, "Jetty")
    state = opened(member, image_id)
    other = opened(member, image_id)
    call(ImageEditState.rotate_right, other)
    call(ImageEditState.save, other)
    assert saved_edit(member, image_id) == ImageEdit(rotate=90)

    call(ImageEditState.crop_complete, state, {"x": 8, "y": 4, "width": 32, "height": 24})
    call(ImageEditState.save, state)
    assert state.message == "This image was changed in another window; here is its current edit."
    assert saved_edit(member, image_id) == ImageEdit(rotate=90)
    assert (state.rotate, state.crop_width, state.rotation_text) == (90, "64", "Rotation: 90°")
    # Now built on the current edit, the same Save lands.
    call(ImageEditState.crop_complete, state, {"x": 8, "y": 4, "width": 32, "height": 24})
    call(ImageEditState.save, state)
    assert saved_edit(member, image_id) == ImageEdit(rotate=90, crop=CropBox(8, 4, 32, 24))
