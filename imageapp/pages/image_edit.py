"""The image page's "Edit" section: rotate left/right, a crop box (react-easy-crop: drag or
arrow keys) with aspect-ratio choices, a focal point (click the picture, marker shown) and
numbers for all of them, so it works with the keyboard alone; Save and Reset."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from imageapp.pages.components import described_by_error, labelled, live_region
from imageapp.pages.easy_crop import FocalPicker, crop_frame, zoom_control
from imageapp.services.usecases.edits import RATIO_CHOICES
from imageapp.state.image_edit import ImageEditState

EDIT = ImageEditState
# Where the crop box sits and how far it is zoomed: browser-side (easy_crop.py says why).
CROP_POSITION = ClientStateVar.create("edit_crop_position", default={"x": 0, "y": 0})
CROP_ZOOM = ClientStateVar.create("edit_crop_zoom", default=1.0)
CROP_LABEL = (
    "Crop box: drag the picture or use the arrow keys to move it; zoom with the wheel or "
    "the Zoom slider and buttons below"
)


def number_field(name: str, label: str, *, moves_cropper: bool = False) -> rx.Component:
    control_id = f"edit-{name.replace('_', '-')}"
    error = EDIT.errors[name].to(str)
    extra = {"on_blur": EDIT.move_cropper} if moves_cropper else {}
    return labelled(
        label,
        control_id,
        rx.input(
            id=control_id,
            type="number",
            min=0,
            step=1,
            input_mode="numeric",
            value=getattr(EDIT, name),
            on_change=lambda value: EDIT.set_field(name, value),
            width="7rem",
            **described_by_error(error, control_id),
            **extra,
        ),
        error=error,
    )


def ratio_choice() -> rx.Component:
    return rx.vstack(
        rx.text("Aspect ratio (of the finished picture)", id="edit-ratio-label", size="2"),
        rx.radio_group.root(
            rx.flex(
                *[
                    rx.text(
                        rx.flex(rx.radio_group.item(value=value), label, spacing="1"),
                        as_="label",
                        size="2",
                    )
                    for value, label in RATIO_CHOICES
                ],
                spacing="3",
                wrap="wrap",
            ),
            value=EDIT.ratio,
            on_change=EDIT.set_ratio,
            aria_labelledby="edit-ratio-label",
            id="edit-ratio",
        ),
        spacing="1",
    )


def focal_picker() -> rx.Component:
    """The upright original; a click sets the focal point, a ring marks it."""
    return rx.box(
        FocalPicker.create(
            src=EDIT.source_url,
            alt="",
            on_click=EDIT.pick_focal,
            style={"display": "block", "width": "100%", "height": "auto", "cursor": "crosshair"},
            id="edit-focal-picker",
        ),
        rx.cond(
            EDIT.has_focal,
            rx.box(
                position="absolute",
                left=EDIT.focal_left,
                top=EDIT.focal_top,
                width="1.25rem",
                height="1.25rem",
                margin_left="-0.625rem",
                margin_top="-0.625rem",
                border="3px solid white",
                outline="2px solid black",
                border_radius="50%",
                pointer_events="none",
                id="edit-focal-marker",
                aria_hidden="true",
            ),
        ),
        position="relative",
        max_width="20rem",
        width="100%",
    )


def edit_section() -> rx.Component:
    return rx.cond(
        EDIT.ready,
        rx.card(
            rx.vstack(
                rx.heading("Edit", size="4", as_="h2", id="edit-heading"),
                rx.text(
                    "The original file is never changed. Positions are pixels of the upright "
                    "original, before the rotation.",
                    size="2",
                    color_scheme="gray",
                ),
                live_region(
                    rx.text(EDIT.message, size="2", id="edit-message"), region_id="edit-status"
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("rotate-ccw", size=14, aria_hidden="true"),
                        "Rotate left",
                        variant="soft",
                        on_click=EDIT.rotate_left,
                        id="edit-rotate-left",
                    ),
                    rx.button(
                        rx.icon("rotate-cw", size=14, aria_hidden="true"),
                        "Rotate right",
                        variant="soft",
                        on_click=EDIT.rotate_right,
                        id="edit-rotate-right",
                    ),
                    rx.text(EDIT.rotation_text, size="2", id="edit-rotation"),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                rx.heading("Crop", size="3", as_="h3"),
                ratio_choice(),
                crop_frame(
                    image=EDIT.source_url,
                    aspect=EDIT.aspect,
                    initial_area=EDIT.initial_area,
                    on_crop_complete=EDIT.crop_complete,
                    key=EDIT.cropper_key,
                    label=CROP_LABEL,
                    zoom=CROP_ZOOM,
                    position=CROP_POSITION,
                ),
                zoom_control(CROP_ZOOM),
                rx.text(EDIT.crop_text, size="2", id="edit-crop-text"),
                rx.flex(
                    number_field("crop_x", "Left (x)", moves_cropper=True),
                    number_field("crop_y", "Top (y)", moves_cropper=True),
                    number_field("crop_width", "Width", moves_cropper=True),
                    number_field("crop_height", "Height", moves_cropper=True),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.heading("Focal point", size="3", as_="h3"),
                rx.text(
                    "Click the picture, or type the point (both empty: the centre).",
                    size="2",
                    color_scheme="gray",
                ),
                focal_picker(),
                rx.flex(
                    number_field("focal_x", "Focal point x"),
                    number_field("focal_y", "Focal point y"),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.button("Save", on_click=EDIT.save, id="edit-save"),
                    rx.button(
                        "Reset to the original",
                        variant="soft",
                        color_scheme="red",
                        on_click=EDIT.reset_edit,
                        id="edit-reset",
                    ),
                    spacing="3",
                ),
                CROP_POSITION,
                CROP_ZOOM,
                spacing="3",
                width="100%",
            ),
            id="image-edit",
            width="100%",
        ),
    )
