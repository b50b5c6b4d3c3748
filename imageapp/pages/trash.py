"""The trash page (`/trash`): deleted images with when and by whom, restore and delete forever."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp import urls
from imageapp.pages.components import confirm_dialog, live_region, pagination
from imageapp.pages.layout import page_shell
from imageapp.state.trash import TrashItem, TrashState

TITLE = "Trash"
THUMB = {"width": "8rem", "height": "6rem", "object_fit": "cover", "display": "block"}


def trash_row(item: ObjectVar[TrashItem]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.el.img(
                src=item.thumbnail,
                alt=item.alt_text,
                custom_attrs={"width": item.width, "height": item.height},
                loading="lazy",
                style={**THUMB, "border_radius": "var(--radius-2)"},
            ),
            rx.vstack(
                rx.checkbox(
                    item.title,
                    checked=TrashState.selected.contains(item.id),
                    on_change=lambda checked: TrashState.toggle(item.id, checked),
                    size="2",
                    class_name="select-trashed",
                ),
                rx.text(item.deleted, size="2", color_scheme="gray"),
                rx.hstack(
                    rx.button(
                        "Restore",
                        variant="soft",
                        size="1",
                        on_click=TrashState.restore_one(item.id),
                        aria_label="Restore " + item.title,
                    ),
                    rx.button(
                        "Delete forever…",
                        variant="soft",
                        color_scheme="red",
                        size="1",
                        on_click=TrashState.ask_delete_one(item.id),
                        aria_label="Delete forever: " + item.title,
                    ),
                    spacing="2",
                ),
                spacing="2",
            ),
            spacing="4",
            align="start",
        ),
        width="100%",
        class_name="trash-item",
        custom_attrs={"data-title": item.title},
    )


def trash_tools() -> rx.Component:
    nothing = TrashState.selected.length() == 0
    return rx.flex(
        rx.badge(TrashState.selected_label, variant="soft", size="2"),
        rx.button(
            "Restore selected", size="2", disabled=nothing, on_click=TrashState.restore_selected
        ),
        rx.button(
            "Delete selected forever…",
            size="2",
            color_scheme="red",
            variant="soft",
            disabled=nothing,
            on_click=TrashState.ask_delete_selected,
        ),
        rx.button("Restore all", size="2", variant="soft", on_click=TrashState.restore_all),
        rx.button(
            "Empty the trash…",
            size="2",
            variant="soft",
            color_scheme="red",
            on_click=TrashState.ask_empty,
            id="empty-trash",
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        id="trash-tools",
    )


def status() -> rx.Component:
    return live_region(
        rx.cond(
            TrashState.message,
            rx.cond(
                TrashState.message_ok,
                rx.callout(TrashState.message, icon="circle-check", color_scheme="green"),
                rx.callout(TrashState.message, icon="triangle-alert", color_scheme="red"),
            ),
        ),
        region_id="trash-status",
    )


def trash_list() -> rx.Component:
    return rx.cond(
        TrashState.total > 0,
        rx.vstack(
            rx.text(TrashState.summary, size="2", id="trash-count"),
            trash_tools(),
            rx.vstack(rx.foreach(TrashState.items, trash_row), spacing="3", width="100%"),
            pagination(
                page=TrashState.page,
                pages=TrashState.pages,
                previous_url=urls.TRASH + "?page=" + (TrashState.page - 1).to_string(),
                next_url=urls.TRASH + "?page=" + (TrashState.page + 1).to_string(),
            ),
            spacing="4",
            width="100%",
        ),
        rx.callout("The trash is empty.", icon="info", id="trash-empty"),
    )


def trash_page() -> rx.Component:
    return page_shell(
        rx.heading(TITLE, size="7", as_="h1", tab_index=-1),
        rx.cond(
            TrashState.loaded,
            rx.vstack(
                rx.text(TrashState.keeps, size="2", id="trash-keeps"),
                rx.text(TrashState.quota, size="2", id="trash-quota"),
                status(),
                trash_list(),
                spacing="3",
                width="100%",
            ),
        ),
        confirm_dialog(
            title="Delete forever?",
            question=TrashState.confirm_question,
            keep_label="Keep in the trash",
            confirm_label="Delete forever",
            on_confirm=TrashState.confirm_delete,
            is_open=TrashState.confirm_open,
            on_open_change=TrashState.set_confirm_open,
            id="forever-question",
        ),
    )
