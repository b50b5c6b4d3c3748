"""The share-links section of the Reflex gallery and image pages."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.pages.components import described_by_error, labelled, live_region
from imageapp.state.share_links import NEW_LINK_FIELD, ShareLinksState, ShareRow


def link_row(row: ObjectVar[ShareRow]) -> rx.Component:
    return rx.hstack(
        rx.text(row.text, size="2"),
        rx.button(
            "Turn off",
            variant="soft",
            color_scheme="red",
            size="1",
            aria_label="Turn off the link: " + row.text,
            on_click=ShareLinksState.revoke(row.id),
        ),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def share_section() -> rx.Component:
    expiry_error = ShareLinksState.errors["expires_at"].to(str)
    return rx.card(
        rx.vstack(
            rx.heading("Share links", size="4", as_="h2"),
            live_region(rx.text(ShareLinksState.message, size="2"), region_id="share-status"),
            rx.box(
                rx.el.label(
                    "Your new link (copy it now: it is shown only this once)",
                    html_for=NEW_LINK_FIELD,
                ),
                rx.el.input(
                    id=NEW_LINK_FIELD,
                    read_only=True,
                    style={"width": "100%", "font_family": "monospace", "padding": "0.4rem"},
                ),
                display=rx.cond(ShareLinksState.made, "block", "none"),
                width="100%",
            ),
            rx.cond(
                ShareLinksState.rows,
                rx.vstack(rx.foreach(ShareLinksState.rows, link_row), spacing="2"),
                rx.text("No share links yet: people without an account see nothing.", size="2"),
            ),
            rx.form(
                rx.flex(
                    labelled(
                        "Expires after (optional)",
                        "share-expires",
                        rx.input(
                            id="share-expires",
                            type="date",
                            value=ShareLinksState.expires_at,
                            on_change=ShareLinksState.set_expires_at,
                            **described_by_error(expiry_error, "share-expires"),
                        ),
                        error=expiry_error,
                    ),
                    labelled(
                        "Password (optional)",
                        "share-password",
                        rx.input(
                            id="share-password",
                            type="password",
                            value=ShareLinksState.password,
                            on_change=ShareLinksState.set_password,
                            auto_complete="new-password",
                        ),
                    ),
                    rx.hstack(
                        rx.checkbox(
                            id="share-allow-download",
                            checked=ShareLinksState.allow_download,
                            on_change=ShareLinksState.set_allow_download,
                            aria_label="Allow downloading the originals",
                        ),
                        rx.el.label(
                            "Allow downloading the originals", html_for="share-allow-download"
                        ),
                        align="center",
                        spacing="2",
                    ),
                    rx.button("Create share link", type="submit"),
                    spacing="3",
                    align="end",
                    wrap="wrap",
                ),
                on_submit=lambda _form: ShareLinksState.create,
                reset_on_submit=False,
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="share-links",
    )
