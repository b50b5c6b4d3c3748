"""The library page (`/`): a responsive grid of thumbnails with titles."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.pages import routes
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.picture import picture
from imageapp.state.library import LibraryItem, LibraryState

TITLE = "Image library"
COLUMNS = rx.breakpoints(initial="1", xs="2", md="3", lg="4")
# Matches COLUMNS inside the page's 1136 px container (for the browser's srcset choice).
THUMB_SIZES = "(min-width: 1280px) 270px, (min-width: 1024px) 33vw, (min-width: 520px) 50vw, 100vw"
THUMB_FRAME = {"aspect_ratio": "4 / 3", "overflow": "hidden", "background": "var(--gray-a3)"}


def image_card(item: ObjectVar[LibraryItem]) -> rx.Component:
    """One image of the grid: thumbnail and title, the whole card links to its page."""
    return rx.card(
        rx.link(
            rx.inset(
                rx.box(
                    picture(
                        item.picture,
                        alt=item.alt_text,
                        sizes=THUMB_SIZES,
                        fit="cover",
                        loading="lazy",
                        decoding="async",
                    ),
                    style=THUMB_FRAME,
                ),
                side="top",
                pb="current",
            ),
            rx.heading(item.title, size="3", as_="h2", trim="both", class_name="library-title"),
            href=item.url,
            underline="hover",
            color_scheme="gray",
            high_contrast=True,
            _hover={"color": "var(--gray-12)"},
        ),
        class_name="library-item",
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
                rx.link(rx.icon("upload", size=16), "Upload images", href=routes.UPLOAD),
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


def pagination() -> rx.Component:
    """Previous/next links, only when the library spans more than one page."""
    return rx.cond(
        LibraryState.pages > 1,
        rx.hstack(
            rx.cond(
                LibraryState.page > 1,
                rx.link("← Previous", href=f"{routes.LIBRARY}?page={LibraryState.page - 1}"),
            ),
            rx.text(f"Page {LibraryState.page} of {LibraryState.pages}", size="2"),
            rx.cond(
                LibraryState.page < LibraryState.pages,
                rx.link("Next →", href=f"{routes.LIBRARY}?page={LibraryState.page + 1}"),
            ),
            spacing="4",
            align="center",
            justify="center",
            width="100%",
        ),
    )


def library_grid() -> rx.Component:
    """The images, or an invitation to upload the first ones."""
    return rx.cond(
        LibraryState.total > 0,
        rx.vstack(
            rx.grid(
                rx.foreach(LibraryState.items, image_card),
                columns=COLUMNS,
                spacing="4",
                width="100%",
                id="library-grid",
            ),
            pagination(),
            spacing="5",
            width="100%",
        ),
        empty_library(),
    )


def library_page() -> rx.Component:
    """The whole page; the grid appears once the first page has been read."""
    return page_shell(
        rx.hstack(
            rx.heading(TITLE, size="7", as_="h1"),
            rx.cond(
                LibraryState.total > 0,
                rx.badge(
                    rx.cond(LibraryState.total == 1, "1 image", f"{LibraryState.total} images"),
                    size="2",
                    variant="soft",
                ),
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(LibraryState.loaded, library_grid(), loading_grid()),
    )
