"""The upload page (`/upload`): drop many images, watch each upload, describe them in one pass."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp import urls
from imageapp.pages.components import labelled, live_log
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.upload_card import gallery_options, upload_card
from imageapp.pages.upload_queue import announce_dropped
from imageapp.state.upload import UploadState
from imageapp.state.upload_cards import ImageLink

TITLE = "Upload images"
DROP_ZONE_ID = "image-drop"


def drop_zone() -> rx.Component:
    """Drag and drop, or the button (keyboard): every file gets its own card and request."""
    zone = rx.upload.root(
        rx.vstack(
            rx.icon("image-up", size=40, color="var(--accent-9)"),
            rx.text("Drag and drop images here", size="4", weight="medium"),
            rx.text(
                "JPEG, PNG, GIF, WebP, HEIC or AVIF · many at once · ",
                UploadState.limit_label,
                size="2",
                color_scheme="gray",
            ),
            rx.button(rx.icon("folder-open", size=16), "Choose images", size="3", type="button"),
            align="center",
            spacing="3",
        ),
        id=DROP_ZONE_ID,
        on_drop=announce_dropped(UploadState.files_chosen),
        multiple=True,
        no_keyboard=True,  # the button is the keyboard way in; one tab stop, not two
        border="2px dashed var(--accent-a7)",
        border_radius="var(--radius-4)",
        background="var(--color-panel-solid)",
        padding="2.5rem 1rem",
        width="100%",
        cursor="pointer",
        drag_active_style={"border_color": "var(--accent-9)", "background": "var(--accent-a3)"},
    )
    return without_dropzone_input_in_the_tree(zone)


def without_dropzone_input_in_the_tree(zone: rx.Component) -> rx.Component:
    """react-dropzone's own file input is visually hidden and out of the tab order, yet read
    out by screen readers, unlabelled: "Choose images" is the way in, so it leaves the tree."""
    file_input = zone.children[0].children[0]
    file_input.custom_attrs["aria-hidden"] = "true"
    return zone


def notice() -> rx.Component:
    return rx.cond(
        UploadState.notice,
        rx.callout(UploadState.notice, icon="info", color_scheme="amber", width="100%"),
    )


def saved_link(image: ObjectVar[ImageLink]) -> rx.Component:
    return rx.link(image.title, href=image.url, class_name="saved-image", margin_right="0.75rem")


def saved_banner() -> rx.Component:
    """After Complete: which images are now in the library, with links to them."""
    return rx.cond(
        UploadState.saved.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-check")),
            rx.callout.text(
                rx.text.strong("Added to the library: "),
                rx.foreach(UploadState.saved, saved_link),
                rx.link("Open the library →", href=urls.LIBRARY, weight="medium"),
            ),
            color_scheme="green",
            width="100%",
            id="upload-saved",
        ),
    )


def batch_panel() -> rx.Component:
    """Fields for every card at once, and Complete all."""
    return rx.card(
        rx.vstack(
            rx.heading("Describe them all at once", size="4", as_="h2"),
            rx.grid(
                labelled(
                    "Description for all",
                    "batch-description",
                    rx.text_area(
                        id="batch-description",
                        value=UploadState.batch_description,
                        on_change=UploadState.set_batch_description,
                        rows="2",
                        width="100%",
                    ),
                ),
                labelled(
                    "Tags for all",
                    "batch-tags",
                    rx.input(
                        id="batch-tags",
                        value=UploadState.batch_tags,
                        on_change=UploadState.set_batch_tags,
                        placeholder="comma separated, added to each image's own tags",
                        width="100%",
                    ),
                ),
                rx.cond(
                    UploadState.galleries.length() > 0,
                    rx.vstack(
                        rx.text("Gallery for all", as_="div"),
                        rx.select.root(
                            rx.select.trigger(aria_label="Gallery for all", width="100%"),
                            rx.select.content(gallery_options()),
                            value=UploadState.batch_gallery,
                            on_change=UploadState.set_batch_gallery,
                        ),
                        spacing="1",
                    ),
                ),
                columns=rx.breakpoints(initial="1", md="3"),
                spacing="4",
                width="100%",
            ),
            rx.flex(
                rx.button(
                    rx.icon("copy-check", size=16),
                    "Apply to all",
                    variant="soft",
                    on_click=UploadState.apply_to_all,
                ),
                rx.spacer(),
                rx.cond(
                    UploadState.busy_count > 0,
                    rx.text(
                        f"{UploadState.busy_count} still uploading…",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.button(
                    rx.icon("check-check", size=16),
                    f"Complete all ({UploadState.ready_count})",
                    size="3",
                    on_click=UploadState.complete_all,
                    disabled=UploadState.ready_count == 0,
                    id="complete-all",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        id="batch-panel",
    )


def nothing_waiting() -> rx.Component:
    return rx.center(
        rx.text(
            "Nothing is waiting. Each image you add gets a card here with its preview and form.",
            color_scheme="gray",
            size="2",
        ),
        id="upload-empty",
        padding="2rem 1rem",
        width="100%",
    )


def cards_section() -> rx.Component:
    return rx.cond(
        UploadState.cards.length() > 0,
        rx.vstack(
            batch_panel(),
            rx.grid(
                rx.foreach(UploadState.cards, upload_card),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="4",
                width="100%",
                align_items="start",
                id="upload-cards",
            ),
            spacing="4",
            width="100%",
        ),
        nothing_waiting(),
    )


def looking_for_pending() -> rx.Component:
    return rx.hstack(
        rx.spinner(size="2"),
        rx.text("Looking for uploads you have not finished…", size="2", color_scheme="gray"),
        align="center",
        id="upload-loading",
        class_name=JS_ONLY,
    )


def upload_page() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading(TITLE, size="7", as_="h1"),
            rx.text(
                "Drop your photos, watch them upload, then give each a title and alt text. "
                "Description and tags can go on all of them at once.",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        live_log(UploadState.announcements, region_id="upload-log", label="Upload progress"),
        notice(),
        saved_banner(),
        drop_zone(),
        rx.cond(UploadState.loaded, cards_section(), looking_for_pending()),
    )
