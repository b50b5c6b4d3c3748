"""The library's tools above the grid: the filters, and the bulk actions on the selection."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.pages.components import confirm_dialog, labelled, live_region
from imageapp.state.bulk import BulkState
from imageapp.state.library import ANY_GALLERY, LibraryState

SELECTED = LibraryState.selected
NOTHING_SELECTED = SELECTED.length() == 0
STATUS_CHOICES = (("active", "Active"), ("inactive", "Inactive"), ("all", "Active and inactive"))
SORT_CHOICES = (("newest", "Newest upload first"), ("taken", "Date taken, newest first"))
SMALL_LABEL = {"font_size": "var(--font-size-1)"}


def gallery_items() -> rx.Component:
    return rx.foreach(
        LibraryState.galleries, lambda choice: rx.select.item(choice.label, value=choice.value)
    )


def filters() -> rx.Component:
    """Text and tag apply on Enter (or Apply); the two selects apply at once."""
    return rx.form(
        rx.flex(
            labelled(
                "Search titles and descriptions",
                "filter-text",
                rx.input(
                    id="filter-text",
                    value=LibraryState.filter_text,
                    on_change=LibraryState.set_filter_text,
                    type="search",
                    width="100%",
                ),
                flex="2 1 14rem",
                label_style=SMALL_LABEL,
            ),
            labelled(
                "Tag",
                "filter-tag",
                rx.input(
                    id="filter-tag",
                    value=LibraryState.filter_tag,
                    on_change=LibraryState.set_filter_tag,
                    width="100%",
                ),
                flex="1 1 8rem",
                label_style=SMALL_LABEL,
            ),
            labelled(
                "Gallery",
                "filter-gallery",
                rx.select.root(
                    rx.select.trigger(id="filter-gallery", aria_label="Gallery", width="100%"),
                    rx.select.content(
                        rx.select.item("All galleries", value=ANY_GALLERY), gallery_items()
                    ),
                    value=LibraryState.filter_gallery,
                    on_change=LibraryState.choose_gallery,
                ),
                flex="1 1 10rem",
                label_style=SMALL_LABEL,
            ),
            choice_select(
                "Status",
                "filter-status",
                STATUS_CHOICES,
                value=LibraryState.filter_status,
                on_change=LibraryState.choose_status,
                flex="1 1 10rem",
            ),
            choice_select(
                "Sort",
                "library-sort",
                SORT_CHOICES,
                value=LibraryState.sort,
                on_change=LibraryState.choose_sort,
                flex="1 1 12rem",
            ),
            rx.hstack(
                rx.button(rx.icon("search", size=14), "Apply", type="submit", variant="soft"),
                rx.cond(
                    LibraryState.filtered,
                    rx.button(
                        "Clear filters",
                        type="button",
                        variant="ghost",
                        on_click=LibraryState.clear_filters,
                    ),
                ),
                spacing="2",
                align="center",
            ),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=lambda _form: LibraryState.apply_filters,
        reset_on_submit=False,
        id="library-filters",
        role="search",
        width="100%",
    )


def choice_select(
    label: str,
    control_id: str,
    choices: Sequence[tuple[str, str]],
    *,
    value: Any,
    on_change: Any,
    flex: str,
) -> rx.Component:
    """A labelled select of fixed (value, label) choices, as the library's filters use."""
    return labelled(
        label,
        control_id,
        rx.select.root(
            rx.select.trigger(id=control_id, aria_label=label, width="100%"),
            rx.select.content(*[rx.select.item(text, value=key) for key, text in choices]),
            value=value,
            on_change=on_change,
        ),
        flex=flex,
        label_style=SMALL_LABEL,
    )


def selection_row() -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            "Select all on this page",
            checked=LibraryState.page_selected,
            on_change=LibraryState.select_page,
            id="select-page",
            size="2",
        ),
        rx.badge(LibraryState.selected_label, variant="soft", id="selected-count", size="2"),
        rx.cond(
            ~NOTHING_SELECTED,
            rx.button(
                "Clear selection",
                variant="ghost",
                size="1",
                on_click=LibraryState.clear_selection,
            ),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def action(label: str, icon: str, on_click: Any, **props: Any) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=14),
        label,
        size="2",
        variant="soft",
        disabled=NOTHING_SELECTED,
        on_click=on_click,
        **props,
    )


def gallery_actions() -> rx.Component:
    return rx.cond(
        LibraryState.galleries.length() > 0,
        rx.hstack(
            rx.select.root(
                rx.select.trigger(
                    placeholder="Choose a gallery", aria_label="Gallery for the selection"
                ),
                rx.select.content(gallery_items()),
                value=BulkState.target_gallery,
                on_change=BulkState.set_target_gallery,
            ),
            action("Add to gallery", "folder-plus", BulkState.add_to_gallery(SELECTED)),
            action("Remove from gallery", "folder-minus", BulkState.remove_from_gallery(SELECTED)),
            spacing="2",
            wrap="wrap",
        ),
        rx.link("Create a gallery to add images to", href=urls.GALLERIES, size="2"),
    )


def bulk_actions() -> rx.Component:
    return rx.card(
        rx.vstack(
            selection_row(),
            rx.flex(
                action("Set active", "eye", BulkState.set_active(SELECTED)),
                action("Set inactive", "eye-off", BulkState.set_inactive(SELECTED)),
                gallery_actions(),
                rx.hstack(
                    rx.input(
                        value=BulkState.tags,
                        on_change=BulkState.set_tags,
                        placeholder="tags, comma separated",
                        aria_label="Tags to add to the selection",
                        id="bulk-tags",
                    ),
                    action("Add tags", "tag", BulkState.add_tags(SELECTED)),
                    spacing="2",
                ),
                action(
                    "Delete…",
                    "trash-2",
                    BulkState.ask_delete(SELECTED),
                    color_scheme="red",
                    id="bulk-delete",
                ),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="bulk-actions",
    )


def undo() -> rx.Component:
    """After a delete: put those images back at once, or go to the trash."""
    return rx.cond(
        BulkState.undo_count > 0,
        rx.hstack(
            rx.button(
                rx.icon("undo-2", size=14),
                "Undo",
                variant="soft",
                size="2",
                on_click=BulkState.undo_delete,
                id="bulk-undo",
                aria_label="Undo: restore the images just deleted",
            ),
            rx.link("Open the trash", href=urls.TRASH, size="2"),
            spacing="3",
            align="center",
        ),
    )


def outcome() -> rx.Component:
    """What the last bulk action did; after a delete, its "Undo" right under it (outside
    the status region, which announces the sentence only)."""
    said = live_region(
        rx.cond(
            BulkState.message,
            rx.cond(
                BulkState.message_ok,
                rx.callout(BulkState.message, icon="circle-check", color_scheme="green"),
                rx.callout(BulkState.message, icon="triangle-alert", color_scheme="red"),
            ),
        ),
        region_id="bulk-outcome",
    )
    return rx.vstack(said, undo(), spacing="2", width="100%")


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Move images to the trash?",
        question=BulkState.delete_question,
        keep_label="Keep them",
        confirm_label="Move to the trash",
        on_confirm=BulkState.confirm_delete,
        is_open=BulkState.delete_open,
        on_open_change=BulkState.set_delete_open,
        id="delete-question",
    )
