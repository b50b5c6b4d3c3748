"""One gallery's page (`/galleries/<id>`): its images in order, to drag (or move by keyboard)
into a new order, make one the cover, or take one out."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp import urls
from imageapp.pages.components import live_region, pagination
from imageapp.pages.gallery_sort import ITEM_ID, SortableList
from imageapp.pages.layout import JS_ONLY, page_shell
from imageapp.pages.picture import inactive_placeholder, picture
from imageapp.pages.share_links import share_section
from imageapp.state.gallery import GalleryState
from imageapp.state.gallery_jobs import GalleryEntry

TITLE = "Gallery"
GALLERY = GalleryState.gallery
THUMB = {"width": "96px", "height": "72px", "flex_shrink": "0", "overflow": "hidden"}
# While dragging: the item under the pointer shows where the dragged one would land.
DROP_MARKS = {
    "& [data-drop='before']": {"box_shadow": "0 -3px 0 0 var(--accent-9)"},
    "& [data-drop='after']": {"box_shadow": "0 3px 0 0 var(--accent-9)"},
    "& [data-dragging]": {"opacity": "0.45"},
}


def back_link() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16), rx.text("All galleries"), spacing="1"),
        href=urls.GALLERIES,
        size="2",
    )


def thumbnail(entry: ObjectVar[GalleryEntry]) -> rx.Component:
    return rx.box(
        rx.cond(
            entry.active,
            picture(entry.picture, alt=entry.alt_text, sizes="96px", fit="cover", loading="lazy"),
            inactive_placeholder(icon_size=18),
        ),
        border_radius="var(--radius-2)",
        background="var(--gray-a3)",
        style=THUMB,
    )


def name_and_badges(entry: ObjectVar[GalleryEntry]) -> rx.Component:
    return rx.vstack(
        rx.cond(
            entry.active,
            rx.link(entry.title, href=entry.url, weight="medium", class_name="entry-title"),
            rx.text(entry.title, weight="medium", class_name="entry-title"),
        ),
        rx.hstack(
            rx.cond(
                entry.is_cover,
                rx.badge(rx.icon("star", size=12), "Cover", color_scheme="amber"),
            ),
            rx.cond(~entry.active, rx.badge("Inactive", color_scheme="gray")),
            spacing="2",
        ),
        spacing="1",
        min_width="0",
    )


def icon_button(icon: str, label: str, **props: object) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=16), aria_label=label, variant="soft", color_scheme="gray", **props
        ),
        content=label,
    )


def entry_actions(entry: ObjectVar[GalleryEntry]) -> rx.Component:
    return rx.hstack(
        icon_button(
            "arrow-up",
            f"Move {entry.title} up",
            id=f"move-up-{entry.id}",
            disabled=entry.position <= 1,
            on_click=GalleryState.move(entry.id, -1),
        ),
        icon_button(
            "arrow-down",
            f"Move {entry.title} down",
            id=f"move-down-{entry.id}",
            disabled=entry.position >= GALLERY.count,
            on_click=GalleryState.move(entry.id, 1),
        ),
        rx.button(
            rx.icon("star", size=14),
            "Make cover",
            variant="soft",
            size="2",
            id=f"cover-{entry.id}",
            disabled=entry.is_cover | ~entry.active,
            on_click=GalleryState.make_cover(entry.id),
            aria_label=f"Make cover: {entry.title}",
        ),
        rx.button(
            rx.icon("x", size=14),
            "Remove",
            variant="soft",
            color_scheme="red",
            size="2",
            id=f"remove-{entry.id}",
            on_click=GalleryState.remove(entry.id),
            aria_label=f"Remove {entry.title} from the gallery",
        ),
        spacing="2",
        wrap="wrap",
        justify="end",
    )


def gallery_entry(entry: ObjectVar[GalleryEntry]) -> rx.Component:
    """One row; the whole row is the drag handle."""
    return rx.el.div(
        rx.flex(
            rx.icon("grip-vertical", size=18, color="var(--gray-9)", aria_hidden="true"),
            rx.text(
                entry.position,
                size="2",
                color_scheme="gray",
                min_width="2ch",
                class_name="entry-position",
            ),
            thumbnail(entry),
            name_and_badges(entry),
            rx.spacer(),
            entry_actions(entry),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        key=entry.id,
        draggable=True,
        role="listitem",
        class_name="gallery-entry",
        custom_attrs={ITEM_ID: entry.id, "data-title": entry.title},
        style={
            "padding": "0.75rem",
            "background": "var(--color-panel-solid)",
            "border": "1px solid var(--gray-a5)",
            "border_radius": "var(--radius-3)",
            "cursor": "grab",
        },
    )


def gallery_pagination() -> rx.Component:
    here = urls.GALLERIES + "/" + GALLERY.id.to_string()
    return pagination(
        page=GALLERY.page,
        pages=GALLERY.pages,
        previous_url=f"{here}?page={GALLERY.page - 1}",
        next_url=f"{here}?page={GALLERY.page + 1}",
    )


def entries() -> rx.Component:
    return rx.cond(
        GALLERY.images.length() > 0,
        rx.vstack(
            rx.text(
                "Drag an image to a new place, or use its arrow buttons (Tab, then Enter). "
                "The cover is what the gallery list shows.",
                size="2",
                color_scheme="gray",
            ),
            SortableList.create(
                rx.foreach(GALLERY.images, gallery_entry),
                on_move=GalleryState.drop,
                id="gallery-entries",
                custom_attrs={"role": "list"},  # not a prop of the component: an attribute
                aria_label="Images in this gallery, in order",
                style={"display": "flex", "flex_direction": "column", "gap": "8px", **DROP_MARKS},
                width="100%",
            ),
            gallery_pagination(),
            spacing="3",
            width="100%",
        ),
        rx.callout(
            "No images in this gallery yet. In the library, select some and choose "
            "“Add to gallery”.",
            icon="info",
            id="gallery-empty",
            width="100%",
        ),
    )


def heading() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(GALLERY.title, size="7", as_="h1", id="gallery-title"),
            rx.badge(
                rx.cond(GALLERY.count == 1, "1 image", f"{GALLERY.count} images"),
                size="2",
                variant="soft",
            ),
            rx.spacer(),
            rx.link("Show in the library", href=GALLERY.library_url, size="2"),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(GALLERY.description, rx.text(GALLERY.description, color_scheme="gray")),
        spacing="2",
        width="100%",
    )


def status_line() -> rx.Component:
    return live_region(
        rx.cond(
            GalleryState.message,
            rx.callout(GalleryState.message, icon="info", size="1", width="100%"),
        ),
        region_id="gallery-status",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("folder-x", size=48, color="var(--gray-9)"),
            rx.heading("Gallery not found", size="5", as_="h1"),
            rx.link("All galleries", href=urls.GALLERIES),
            align="center",
            spacing="3",
        ),
        id="gallery-not-found",
        padding="4rem 1rem",
        width="100%",
    )


def loading() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.heading("Loading the gallery", size="7"), width="40%"),
        *[rx.skeleton(width="100%", height="96px") for _ in range(4)],
        spacing="3",
        width="100%",
        id="gallery-loading",
        aria_busy="true",
        class_name=JS_ONLY,
    )


def gallery_page() -> rx.Component:
    return page_shell(
        back_link(),
        rx.cond(
            GalleryState.loaded,
            rx.cond(
                GalleryState.found,
                rx.vstack(
                    heading(), status_line(), entries(), share_section(), spacing="4", width="100%"
                ),
                not_found(),
            ),
            loading(),
        ),
    )
