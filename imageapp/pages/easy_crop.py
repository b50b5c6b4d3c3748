# Reflex components are typed loosely (factories return Any): mypy only sees noise here.
# mypy: disable-error-code="no-any-return, misc"

"""react-easy-crop (npm) as a Reflex component: a crop box over the upright original, moved
by dragging or by the arrow keys (its own keyboard support), zoomed with the wheel or the
page's zoom slider and buttons (``zoom_control``: no pointer needed). It reports the chosen
area in the image's natural pixels (``on_crop_complete``).

The box's position and zoom change on every pointer move, so they live in the browser
(``ClientStateVar``) instead of a round trip to the server per frame; only the finished area
goes to the state. The cropper is a controlled component: those two are required props.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from reflex.vars.base import Var

VERSION = "6.2.3"
MIN_ZOOM, MAX_ZOOM = 1.0, 8.0
ZOOM_STEP = 0.5  # one press of "Zoom in"/"Zoom out"; the slider moves by tenths


def _area_pixels(
    _area: Var[dict[str, Any]], pixels: Var[dict[str, Any]]
) -> tuple[Var[dict[str, Any]]]:
    """onCropComplete(croppedArea, croppedAreaPixels): the state gets only the pixels."""
    return (pixels,)


def _position(location: Var[dict[str, Any]]) -> tuple[Var[dict[str, Any]]]:
    return (location,)


def _zoom(zoom: Var[float]) -> tuple[Var[float]]:
    return (zoom,)


class EasyCrop(rx.NoSSRComponent):
    """``import Cropper from "react-easy-crop"``: it measures its container, which must be
    positioned and sized (``crop_frame``)."""

    library = f"react-easy-crop@{VERSION}"
    tag = "Cropper"
    is_default = True

    image: Var[str]
    crop: Var[dict[str, Any]]
    zoom: Var[float]
    aspect: Var[float]
    min_zoom: Var[float]
    max_zoom: Var[float]
    show_grid: Var[bool]
    keyboard_step: Var[int]
    zoom_with_scroll: Var[bool]
    initial_cropped_area_pixels: Var[dict[str, Any]]
    # The crop box is the focusable element (its keyboard handler lives there): give it a name.
    cropper_props: Var[dict[str, Any]]
    media_props: Var[dict[str, Any]]

    # Reflex reads the event spec from the subscript; mypy cannot follow it.
    on_crop_change: rx.EventHandler[_position]  # type: ignore[type-arg, valid-type]
    on_zoom_change: rx.EventHandler[_zoom]  # type: ignore[type-arg, valid-type]
    on_crop_complete: rx.EventHandler[_area_pixels]  # type: ignore[type-arg, valid-type]


def crop_frame(
    *,
    image: Any,
    aspect: Any,
    initial_area: Any,
    on_crop_complete: Any,
    key: Any,
    label: str,
    zoom: ClientStateVar,
    position: ClientStateVar,
) -> rx.Component:
    """The cropper in a positioned box of fixed height (it fills its parent)."""
    return rx.box(
        EasyCrop.create(
            image=image,
            crop=position.value,
            zoom=zoom.value,
            aspect=aspect,
            min_zoom=MIN_ZOOM,
            max_zoom=MAX_ZOOM,
            show_grid=True,
            keyboard_step=8,
            zoom_with_scroll=True,
            initial_cropped_area_pixels=initial_area,
            cropper_props={"aria-label": label, "role": "group"},
            media_props={"alt": ""},
            on_crop_change=position.set,
            on_zoom_change=zoom.set,
            on_crop_complete=on_crop_complete,
            key=key,
        ),
        position="relative",
        width="100%",
        height="22rem",
        background="var(--gray-a3)",
        border_radius="var(--radius-3)",
        overflow="hidden",
        id="crop-frame",
    )


def _zoomed_by(zoom: ClientStateVar, step: float) -> Any:
    """Set the zoom ``step`` further, kept within the cropper's range (a press: no pointer)."""
    current = f"Number({zoom.value})"
    return zoom.set_value(Var(f"Math.min({MAX_ZOOM}, Math.max({MIN_ZOOM}, {current} + {step}))"))


def zoom_control(zoom: ClientStateVar) -> rx.Component:
    """Zoom without a wheel or a pinch: a labelled range (arrow keys, Home/End) and
    "Zoom out"/"Zoom in" buttons, bound to the cropper's zoom. Zooming in makes the box
    cover less of the picture: a smaller crop chosen with the keyboard alone."""
    return rx.hstack(
        rx.el.label("Zoom", html_for="edit-crop-zoom"),
        rx.button(
            rx.icon("zoom-out", size=14, aria_hidden="true"),
            variant="soft",
            size="1",
            on_click=_zoomed_by(zoom, -ZOOM_STEP),
            aria_label="Zoom out",
            id="edit-zoom-out",
        ),
        rx.el.input(
            type="range",
            id="edit-crop-zoom",
            min=MIN_ZOOM,
            max=MAX_ZOOM,
            step=0.1,
            value=zoom.value,
            on_change=lambda value: zoom.set_value(Var(f"Number({value})")),
            aria_valuetext=Var(f"`${{Number({zoom.value}).toFixed(1)}} times`"),
            style={"width": "12rem", "max_width": "50vw"},
        ),
        rx.button(
            rx.icon("zoom-in", size=14, aria_hidden="true"),
            variant="soft",
            size="1",
            on_click=_zoomed_by(zoom, ZOOM_STEP),
            aria_label="Zoom in",
            id="edit-zoom-in",
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def _fraction(event: Var[Any]) -> tuple[Var[float], Var[float]]:
    """Where a click fell on the element, as fractions of its width and height."""
    rect = f"{event}.currentTarget.getBoundingClientRect()"
    return (
        Var(f"(({event}.clientX - {rect}.left) / {rect}.width)").to(float),
        Var(f"(({event}.clientY - {rect}.top) / {rect}.height)").to(float),
    )


class FocalPicker(rx.el.Img):
    """An ``<img>`` whose click reports where it fell (fractions of the shown size), so the
    state turns it into original pixels whatever size the picture is shown at."""

    # Replaces the usual pointer-event spec of on_click (a declared trigger wins).
    on_click: rx.EventHandler[_fraction]  # type: ignore[type-arg, valid-type]
