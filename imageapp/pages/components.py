"""Small pieces several Reflex pages share: a labelled field, a status line, a confirm dialog
and previous/next links."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

from typing import Any

import reflex as rx

from imageapp.pages.dialog_focus import focus_returning, mark_confirmed


def error_id(control_id: str) -> str:
    return f"{control_id}-error"


def described_by_error(error: Any, control_id: str) -> dict[str, Any]:
    """Props for a control whose error shows under it: invalid, and described by the error
    (only while there is one, so the reference never points at a missing element)."""
    return {
        "aria_invalid": rx.cond(error, "true", "false"),
        "aria_describedby": rx.cond(error, error_id(control_id), None),
    }


def field_error(error: Any, control_id: str) -> rx.Component:
    """The error under a control, present only while there is one."""
    return rx.cond(
        error,
        rx.text(
            error, id=error_id(control_id), size="1", color_scheme="red", class_name="field-error"
        ),
    )


def labelled(
    label: str,
    control_id: str,
    control: rx.Component,
    *,
    error: Any = None,
    label_style: dict[str, str] | None = None,
    **props: Any,
) -> rx.Component:
    """A label, its control, and (if given) the control's error under it; a control with an
    error takes ``described_by_error(error, control_id)``."""
    styled = {"style": label_style} if label_style else {}
    children = [rx.el.label(label, html_for=control_id, **styled), control]
    if error is not None:
        children.append(field_error(error, control_id))
    return rx.vstack(*children, spacing="1", **props)


def live_region(content: rx.Component, *, region_id: str) -> rx.Component:
    """Always in the page (empty at first), so screen readers announce each change."""
    return rx.box(content, role="status", aria_live="polite", id=region_id, width="100%")


def live_log(lines: Any, *, region_id: str, label: str) -> rx.Component:
    """For screen readers only: a polite log reading each new line once (the page shows the
    same facts on its own)."""
    return rx.el.div(
        rx.foreach(lines, lambda line: rx.el.p(line)),
        role="log",
        aria_live="polite",
        aria_label=label,
        id=region_id,
        class_name="sr-only",
    )


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
    """Asks before something that cannot be undone; the red button does it. Radix keeps the
    focus inside and closes on Escape; the focus then goes back (dialog_focus)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(question, **question_props),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(keep_label, variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        confirm_label, color_scheme="red", on_click=[mark_confirmed, on_confirm]
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            **focus_returning(),
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
