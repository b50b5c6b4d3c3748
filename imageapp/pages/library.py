"""The library page (`/`): a grid of active images, with a way out for browsers without JS."""

# Reflex's component factories are typed as returning Any, so every builder here would trip it.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.pages import routes
from imageapp.state.library import LibraryItem, LibraryState

TITLE = "Image library"


def no_javascript_notice() -> rx.Component:
    """Shown only with JavaScript off: the same library as plain server-rendered HTML."""
    return rx.el.noscript(
        rx.el.style("#library-loading { display: none; }"),  # it would never finish loading
        rx.el.p(
            "JavaScript is off. ",
            rx.el.a(
                "Use the basic HTML version",
                href=routes.NOJS_LIBRARY,
                style={"color": "var(--accent-11)", "text_decoration": "underline"},
            ),
            ".",
        ),
    )


def image_card(item: ObjectVar[LibraryItem]) -> rx.Component:
    """One image of the grid: its title (thumbnails arrive with the media route)."""
    return rx.card(
        rx.heading(item.title, size="3", as_="h2"),
        rx.cond(item.alt_text, rx.text(item.alt_text, size="2", color_scheme="gray")),
        class_name="library-item",
    )


def pagination() -> rx.Component:
    """Previous/next links, only when the library spans more than one page."""
    return rx.cond(
        LibraryState.pages > 1,
        rx.hstack(
            rx.cond(
                LibraryState.page > 1,
                rx.link("Previous", href=f"{routes.LIBRARY}?page={LibraryState.page - 1}"),
            ),
            rx.text(f"Page {LibraryState.page} of {LibraryState.pages}", size="2"),
            rx.cond(
                LibraryState.page < LibraryState.pages,
                rx.link("Next", href=f"{routes.LIBRARY}?page={LibraryState.page + 1}"),
            ),
            spacing="4",
            align="center",
        ),
    )


def library_grid() -> rx.Component:
    """The images, or a plain sentence when there are none yet."""
    return rx.cond(
        LibraryState.total > 0,
        rx.vstack(
            rx.grid(
                rx.foreach(LibraryState.items, image_card),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="4",
                width="100%",
                id="library-grid",
            ),
            pagination(),
            spacing="4",
            width="100%",
        ),
        rx.text("No images yet.", id="library-empty"),
    )


def library_page() -> rx.Component:
    """The whole page; the grid appears once the first page has been read."""
    return rx.container(
        no_javascript_notice(),
        rx.vstack(
            rx.heading(TITLE, size="7", as_="h1"),
            rx.cond(
                LibraryState.loaded,
                library_grid(),
                rx.text("Loading…", id="library-loading"),
            ),
            spacing="5",
            width="100%",
        ),
        size="3",
        padding_y="2rem",
    )
