"""The library page (`/`): a responsive grid of thumbnails with titles."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp import urls
from imageapp.pages.components import pagination
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.library_tools import bulk_actions, delete_dialog, filters, outcome
from imageapp.pages.picture import inactive_placeholder, picture
from imageapp.state.library import LibraryItem, LibraryState

TITLE = "Image library"
COLUMNS = rx.breakpoints(initial="1", xs="2", md="3", lg="4")
# Matches COLUMNS inside the page's 1136 px container (for the browser's srcset choice).
THUMB_SIZES = "(min-width: 1280px) 270px, (min-width: 1024px) 33vw, (min-width: 520px) 50vw, 100vw"
THUMB_FRAME = {"aspect_ratio": "4 / 3", "overflow": "hidden", "background": "var(--gray-a3)"}


def thumbnail(item: ObjectVar[LibraryItem]) -> rx.Component:
    return rx.box(
        rx.cond(
            item.active,
            picture(
                item.picture,
                alt=item.alt_text,
                sizes=THUMB_SIZES,
                fit="cover",
                loading="lazy",
                decoding="async",
            ),
            inactive_placeholder(),
        ),
        style=THUMB_FRAME,
    )


def select_box(item: ObjectVar[LibraryItem]) -> rx.Component:
    """The card's checkbox, over the thumbnail's corner."""
    return rx.box(
        rx.checkbox(
            checked=LibraryState.selected.contains(item.id),
            on_change=lambda checked: LibraryState.toggle(item.id, checked),
            aria_label=f"Select {item.title}",
            size="3",
            class_name="select-image",
        ),
        position="absolute",
        top="0.5rem",
        left="0.5rem",
        z_index="1",
        padding="0.25rem",
        line_height="0",
        border_radius="var(--radius-2)",
        background="var(--color-panel-solid)",
        box_shadow="var(--shadow-2)",
    )


def image_card(item: ObjectVar[LibraryItem]) -> rx.Component:
    """One image of the grid: checkbox, thumbnail and title; an active one links to its page."""
    title = rx.heading(item.title, size="3", as_="h2", trim="both", class_name="library-title")
    return rx.card(
        select_box(item),
        rx.cond(
            item.active,
            rx.link(
                rx.inset(thumbnail(item), side="top", pb="current"),
                title,
                href=item.url,
                underline="hover",
                color_scheme="gray",
                high_contrast=True,
                _hover={"color": "var(--gray-12)"},
            ),
            rx.box(
                rx.inset(thumbnail(item), side="top", pb="current"),
                rx.hstack(title, rx.badge("Inactive", color_scheme="gray"), align="center"),
                color="var(--gray-11)",
            ),
        ),
        position="relative",
        class_name="library-item",
        custom_attrs={"data-title": item.title, "data-active": item.active.to_string()},
    )


def loading_grid() -> rx.Component:
    """Shown until the first page has been read: the grid's shape, not a blank page."""
    placeholder = rx.card(
        rx.inset(
            rx.skeleton(width="100%", height="100%"), side="top", pb="current", style=THUMB_FRAME
        ),
        rx.skeleton(rx.text("Loading title"), width="60%"),
    )
    return rx.grid(
        *[placeholder for _ in range(8)],
        columns=COLUMNS,
        spacing="4",
        width="100%",
        id="library-loading",
        aria_busy="true",
        aria_label="Loading the library",
        class_name=JS_ONLY,
    )


def empty_library() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("image-plus", size=48, color="var(--gray-9)"),
            rx.heading("No images yet", size="5", as_="h2"),
            rx.text("Upload some photos and they will appear here.", color_scheme="gray"),
            rx.button(
                rx.link(rx.icon("upload", size=16), "Upload images", href=urls.UPLOAD),
                as_child=True,
                size="3",
            ),
            align="center",
            spacing="3",
        ),
        id="library-empty",
        padding="4rem 1rem",
        border="2px dashed var(--gray-a6)",
        border_radius="var(--radius-4)",
        width="100%",
    )


def library_pagination() -> rx.Component:
    return pagination(
        page=LibraryState.page,
        pages=LibraryState.pages,
        previous_url=LibraryState.previous_url,
        next_url=LibraryState.next_url,
        align="center",
    )


def no_match() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=40, color="var(--gray-9)"),
            rx.heading("No images match these filters", size="4", as_="h2"),
            rx.button("Clear filters", variant="soft", on_click=LibraryState.clear_filters),
            align="center",
            spacing="3",
        ),
        id="library-no-match",
        padding="3rem 1rem",
        width="100%",
    )


def library_grid() -> rx.Component:
    """The tools and the images, or why there are none."""
    # One summary region whatever follows: a region made anew would not be announced.
    return rx.vstack(
        rx.cond(LibraryState.total > 0, bulk_actions()),
        outcome(),
        rx.cond(
            LibraryState.total > 0,
            rx.vstack(
                rx.grid(
                    rx.foreach(LibraryState.items, image_card),
                    columns=COLUMNS,
                    spacing="4",
                    width="100%",
                    id="library-grid",
                ),
                library_pagination(),
                spacing="4",
                width="100%",
            ),
            rx.cond(LibraryState.filtered, no_match(), empty_library()),
        ),
        spacing="4",
        width="100%",
    )


def library_page() -> rx.Component:
    """The whole page; the grid appears once the first page has been read."""
    return page_shell(
        rx.hstack(
            rx.heading(TITLE, size="7", as_="h1", tab_index=-1),  # the focus after a deletion
            rx.cond(
                LibraryState.loaded,
                rx.badge(
                    LibraryState.count_line,
                    size="2",
                    variant="soft",
                    id="library-count",
                ),
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(
            LibraryState.loaded & (LibraryState.filtered | (LibraryState.total > 0)), filters()
        ),
        rx.cond(LibraryState.loaded, library_grid(), loading_grid()),
        delete_dialog(),
    )
