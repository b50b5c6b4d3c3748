"""Small pieces several Reflex pages share: a labelled field, a status line, a confirm dialog
and previous/next links."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from typing import Any

import reflex as rx


def labelled(
    label: str,
    control_id: str,
    control: rx.Component,
    *,
    error: Any = None,
    label_style: dict[str, str] | None = None,
    **props: Any,
) -> rx.Component:
    """A label, its control, and (if given) the control's error under it."""
    styled = {"style": label_style} if label_style else {}
    children = [rx.el.label(label, html_for=control_id, **styled), control]
    if error is not None:
        children.append(
            rx.cond(error, rx.text(error, size="1", color_scheme="red", class_name="field-error"))
        )
    return rx.vstack(*children, spacing="1", **props)


def live_region(content: rx.Component, *, region_id: str) -> rx.Component:
    """Always in the page (empty at first), so screen readers announce each change."""
    return rx.box(content, role="status", aria_live="polite", id=region_id, width="100%")


def confirm_dialog(
    *,
    title: str,
    question: Any,
    keep_label: str,
    confirm_label: str,
    on_confirm: Any,
    is_open: Any,
    on_open_change: Any,
    **question_props: Any,
) -> rx.Component:
    """Asks before something that cannot be undone; the red button does it."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(question, **question_props),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(keep_label, variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red", on_click=on_confirm)
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


def pagination(
    *, page: Any, pages: Any, previous_url: Any, next_url: Any, **props: Any
) -> rx.Component:
    """Previous/next links, only when there is more than one page."""
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.cond(page > 1, rx.link("← Previous", href=previous_url)),
            rx.text(f"Page {page} of {pages}", size="2"),
            rx.cond(page < pages, rx.link("Next →", href=next_url)),
            spacing="4",
            justify="center",
            width="100%",
            **props,
        ),
    )
