"""A ``<picture>`` from a PictureView: WebP and JPEG renditions, the original as fallback."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.state.pictures import ImageSource, PictureView


def picture(
    view: ObjectVar[PictureView], alt: Any, sizes: str, fit: str = "", **img_props: Any
) -> rx.Component:
    """The browser picks the first format it supports and the width ``sizes`` asks for.

    ``width``/``height`` go in as HTML attributes (Reflex would make them CSS), so the
    browser reserves the right space before the file arrives; ``fit`` fills the parent.
    """

    def source(item: ObjectVar[ImageSource]) -> rx.Component:
        return rx.el.source(type=item.mime_type, src_set=item.srcset, sizes=sizes)

    filling = {"width": "100%", "height": "100%", "object_fit": fit} if fit else {}
    return rx.el.picture(
        rx.foreach(view.sources, source),
        rx.el.img(
            src=view.src,
            alt=alt,
            custom_attrs={"width": view.width, "height": view.height},
            style={"display": "block", "max_width": "100%", "height": "auto", **filling},
            **img_props,
        ),
        style={"display": "block", "width": "100%", "height": "100%"} if fit else {},
    )


def inactive_placeholder(icon_size: int = 28) -> rx.Component:
    """Stands in for the picture of an inactive image: the media route refuses those files
    by design, so an ``<img>`` would only show a broken image."""
    return rx.center(
        rx.vstack(
            rx.icon("eye-off", size=icon_size, aria_hidden="true"),
            # gray-12: the label stays far above 4.5:1 on either stripe, light or dark
            rx.text("Inactive", size="1", weight="medium", color="var(--gray-12)"),
            align="center",
            spacing="1",
        ),
        role="img",
        aria_label="Inactive image (not served while inactive)",
        class_name="inactive-placeholder",
        width="100%",
        height="100%",
        color="var(--gray-11)",
        background=(
            "repeating-linear-gradient(135deg, var(--gray-a3) 0 10px, var(--gray-a4) 10px 20px)"
        ),
    )
