"""One image's page (`/images/<id>`): the picture beside its metadata."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.pages.components import confirm_dialog, live_region
from imageapp.pages.image_edit import edit_section
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.picture import picture
from imageapp.pages.share_links import share_section
from imageapp.state.image_detail import ImageDetailState

TITLE = "Image"
IMAGE = ImageDetailState.image
WEB_SIZES = "(min-width: 1024px) 680px, 100vw"
REMAKING = "New renditions are being made…"


def back_link() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16), rx.text("Library"), spacing="1", align="center"),
        href=urls.LIBRARY,
        size="2",
    )


def fact(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def metadata() -> rx.Component:
    return rx.vstack(
        rx.heading(IMAGE.title, size="7", as_="h1", id="image-title"),
        rx.cond(
            IMAGE.description,
            rx.text(IMAGE.description, size="3", style={"white_space": "pre-wrap"}),
        ),
        rx.cond(
            IMAGE.camera_facts,
            rx.text(IMAGE.camera_facts, size="2", color_scheme="gray", id="camera-facts"),
        ),
        rx.cond(
            IMAGE.tags.length() > 0,
            rx.flex(
                rx.foreach(IMAGE.tags, lambda tag: rx.badge(tag, variant="soft", size="2")),
                wrap="wrap",
                spacing="2",
                aria_label="Tags",
            ),
        ),
        rx.data_list.root(
            fact("Alt text", IMAGE.alt_text),
            fact("Slug", IMAGE.slug),
            fact("Size", IMAGE.dimensions),
            fact("File", f"{IMAGE.file_type}, {IMAGE.file_size}"),
            fact("Uploaded as", IMAGE.original_filename),
            fact("Uploaded", IMAGE.uploaded),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            size="2",
        ),
        rx.link(
            rx.hstack(
                rx.icon("download", size=16, aria_hidden="true"),
                rx.text("Open the original file", rx.text.span(" (new tab)", class_name="sr-only")),
            ),
            href=IMAGE.original_url,
            is_external=True,
        ),
        rx.button(
            rx.icon("trash-2", size=14),
            "Delete…",
            variant="soft",
            color_scheme="red",
            size="2",
            on_click=ImageDetailState.ask_delete,
            id="image-delete",
        ),
        spacing="4",
        width="100%",
    )


def trashed() -> rx.Component:
    """After deleting it from here: what happened, its "Undo", and the ways on."""
    return rx.vstack(
        rx.callout(ImageDetailState.trashed_message, icon="circle-check", color_scheme="green"),
        rx.hstack(
            rx.cond(
                ImageDetailState.can_undo,
                rx.button(
                    rx.icon("undo-2", size=14),
                    "Undo",
                    variant="soft",
                    on_click=ImageDetailState.undo_delete,
                    id="image-undo",
                    aria_label="Undo: restore the image just deleted",
                ),
            ),
            rx.link("Back to the library", href=urls.LIBRARY),
            rx.link("Open the trash", href=urls.TRASH),
            spacing="4",
            align="center",
        ),
        id="image-trashed",
        spacing="3",
        width="100%",
    )


def remaking_note() -> rx.Component:
    """After an edit the former renditions stay shown until the new ones are made; the
    rendition watcher then swaps them in (and this note goes)."""
    return live_region(
        rx.cond(
            IMAGE.picture.remaking,
            rx.text(REMAKING, size="2", color_scheme="gray", id="image-remaking"),
        ),
        region_id="image-remaking-status",
    )


def image_view() -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.box(
                picture(
                    IMAGE.picture,
                    alt=IMAGE.alt_text,
                    sizes=WEB_SIZES,
                    decoding="async",
                ),
                border_radius="var(--radius-4)",
                overflow="hidden",
                background="var(--gray-a3)",
                box_shadow="var(--shadow-3)",
            ),
            remaking_note(),
            spacing="2",
            align_self="start",
            justify_self="center",
            align="center",
        ),
        metadata(),
        columns=rx.breakpoints(initial="1", md="3fr 2fr"),
        spacing="6",
        width="100%",
        id="image-detail",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("image-off", size=48, color="var(--gray-9)"),
            rx.heading("Image not found", size="5", as_="h1"),
            rx.text("There is no image at this address.", color_scheme="gray"),
            rx.link("Back to the library", href=urls.LIBRARY),
            align="center",
            spacing="3",
        ),
        id="image-not-found",
        padding="4rem 1rem",
        width="100%",
    )


def loading() -> rx.Component:
    return rx.grid(
        rx.skeleton(width="100%", height="24rem"),
        rx.vstack(
            rx.skeleton(rx.heading("Loading the image", size="7"), width="70%"),
            rx.skeleton(width="100%", height="6rem"),
            spacing="4",
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", md="3fr 2fr"),
        spacing="6",
        width="100%",
        id="image-loading",
        aria_busy="true",
        class_name=JS_ONLY,
    )


def image_detail_page() -> rx.Component:
    return page_shell(
        back_link(),
        rx.cond(
            ImageDetailState.loaded,
            rx.cond(
                ImageDetailState.found,
                rx.vstack(image_view(), edit_section(), share_section(), spacing="5", width="100%"),
                rx.cond(ImageDetailState.trashed_message, trashed(), not_found()),
            ),
            loading(),
        ),
        confirm_dialog(
            title="Move this image to the trash?",
            question=ImageDetailState.delete_question,
            keep_label="Keep it",
            confirm_label="Move to the trash",
            on_confirm=ImageDetailState.confirm_delete,
            is_open=ImageDetailState.delete_open,
            on_open_change=ImageDetailState.set_delete_open,
            id="image-delete-question",
        ),
    )
