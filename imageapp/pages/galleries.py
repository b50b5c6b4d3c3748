"""The galleries page (`/galleries`): every gallery with its cover and count; create, edit
(rename) and delete, the last after a question."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.pages.components import confirm_dialog, described_by_error, labelled, live_region
from imageapp.pages.dialog_focus import focus_returning
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.picture import picture
from imageapp.state.galleries import GalleriesState
from imageapp.state.gallery_jobs import GalleryCard

TITLE = "Galleries"
COLUMNS = rx.breakpoints(initial="1", xs="2", md="3")
COVER_SIZES = "(min-width: 1024px) 360px, (min-width: 520px) 50vw, 100vw"
COVER_FRAME = {"aspect_ratio": "4 / 3", "overflow": "hidden", "background": "var(--gray-a3)"}


def field(
    label: str, control_id: str, error: Any, control: Callable[..., rx.Component], **props: Any
) -> rx.Component:
    """A form field of this page: bold label, the control (described by its error), and the
    error under it."""
    made = control(id=control_id, **described_by_error(error, control_id), **props)
    return labelled(
        label, control_id, made, error=error, label_style={"font_weight": "500"}, width="100%"
    )


def create_form() -> rx.Component:
    errors = GalleriesState.create_errors
    return rx.card(
        rx.form(
            rx.flex(
                field(
                    "New gallery",
                    "new-gallery-title",
                    errors["title"].to(str),
                    rx.input,
                    value=GalleriesState.new_title,
                    on_change=GalleriesState.set_new_title,
                    placeholder="Title, e.g. Summer 2025",
                    width="100%",
                ),
                field(
                    "Description (optional)",
                    "new-gallery-description",
                    errors["description"].to(str),
                    rx.input,
                    value=GalleriesState.new_description,
                    on_change=GalleriesState.set_new_description,
                    width="100%",
                ),
                rx.button(rx.icon("plus", size=16), "Create gallery", type="submit"),
                spacing="3",
                align="end",
                direction=rx.breakpoints(initial="column", sm="row"),
                width="100%",
            ),
            on_submit=lambda _form: GalleriesState.create,
            reset_on_submit=False,
        ),
        width="100%",
        id="create-gallery",
    )


def cover(card: ObjectVar[GalleryCard]) -> rx.Component:
    return rx.box(
        rx.cond(
            card.has_cover,
            picture(card.cover, alt="", sizes=COVER_SIZES, fit="cover", loading="lazy"),
            rx.center(
                rx.icon("images", size=36, color="var(--gray-8)"),
                width="100%",
                height="100%",
            ),
        ),
        style=COVER_FRAME,
        width="100%",
    )


def gallery_card(card: ObjectVar[GalleryCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.inset(
                rx.link(
                    cover(card), href=card.url, tab_index=-1, aria_hidden="true", display="block"
                ),
                side="top",
                pb="current",
            ),
            rx.link(
                rx.heading(card.title, size="4", as_="h2"),
                href=card.url,
                color_scheme="gray",
                high_contrast=True,
            ),
            rx.text(card.count_label, size="2", color_scheme="gray", class_name="gallery-count"),
            rx.cond(
                card.description,
                rx.text(card.description, size="2", trim="both", class_name="clamped"),
            ),
            rx.hstack(
                rx.button(
                    rx.icon("pencil", size=14),
                    "Rename",
                    variant="soft",
                    size="1",
                    on_click=GalleriesState.open_edit(card.id),
                    aria_label=f"Rename {card.title}",
                ),
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Delete",
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    on_click=GalleriesState.ask_delete(card.id),
                    aria_label=f"Delete {card.title}",
                ),
                spacing="2",
            ),
            spacing="2",
            align="stretch",
        ),
        class_name="gallery-card",
        custom_attrs={"data-title": card.title},
    )


def edit_dialog() -> rx.Component:
    errors = GalleriesState.edit_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename the gallery"),
            rx.form(
                rx.vstack(
                    field(
                        "Title",
                        "edit-gallery-title",
                        errors["title"].to(str),
                        rx.input,
                        value=GalleriesState.edit_title,
                        on_change=GalleriesState.set_edit_title,
                        width="100%",
                    ),
                    field(
                        "Description",
                        "edit-gallery-description",
                        errors["description"].to(str),
                        rx.text_area,
                        value=GalleriesState.edit_description,
                        on_change=GalleriesState.set_edit_description,
                        width="100%",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save", type="submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=lambda _form: GalleriesState.save_edit,
                reset_on_submit=False,
            ),
            **focus_returning(),
        ),
        open=GalleriesState.edit_open,
        on_open_change=GalleriesState.set_edit_open,
    )


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete this gallery?",
        question=GalleriesState.delete_question,
        keep_label="Keep it",
        confirm_label="Delete gallery",
        on_confirm=GalleriesState.confirm_delete,
        is_open=GalleriesState.delete_open,
        on_open_change=GalleriesState.set_delete_open,
    )


def status_line() -> rx.Component:
    return live_region(
        rx.cond(
            GalleriesState.message,
            rx.callout(GalleriesState.message, icon="circle-check", color_scheme="green"),
        ),
        region_id="galleries-status",
    )


def gallery_grid() -> rx.Component:
    return rx.cond(
        GalleriesState.cards.length() > 0,
        rx.grid(
            rx.foreach(GalleriesState.cards, gallery_card),
            columns=COLUMNS,
            spacing="4",
            width="100%",
            id="gallery-grid",
        ),
        rx.text(
            "No galleries yet: create the first one above.",
            color_scheme="gray",
            id="galleries-empty",
        ),
    )


def loading() -> rx.Component:
    return rx.grid(
        *[rx.skeleton(width="100%", height="14rem") for _ in range(3)],
        columns=COLUMNS,
        spacing="4",
        width="100%",
        aria_busy="true",
        id="galleries-loading",
        class_name=JS_ONLY,
    )


def galleries_page() -> rx.Component:
    return page_shell(
        rx.heading(TITLE, size="7", as_="h1", tab_index=-1),  # where a deletion leaves the focus
        create_form(),
        status_line(),
        rx.cond(GalleriesState.loaded, gallery_grid(), loading()),
        edit_dialog(),
        delete_dialog(),
    )
