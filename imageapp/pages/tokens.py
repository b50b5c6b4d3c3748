"""The API tokens page (`/tokens`): the person's tokens, a form to make one (its value shown
once, in a read-only field), a revoke button each."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from imageapp.pages.components import described_by_error, labelled, live_region
from imageapp.pages.layout import page_shell
from imageapp.state.tokens import NEW_TOKEN_FIELD, TokenRow, TokensState

TITLE = "API tokens"


def new_token_panel() -> rx.Component:
    """Always in the page (the value arrives by set_value); shown once a token was made."""
    return rx.card(
        rx.vstack(
            rx.heading("Your new token", size="4", as_="h2"),
            rx.el.label("Copy it now: it is shown only this once.", html_for=NEW_TOKEN_FIELD),
            rx.el.input(
                id=NEW_TOKEN_FIELD,
                read_only=True,
                style={"width": "100%", "font_family": "monospace", "padding": "0.4rem"},
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        display=rx.cond(TokensState.made_name, "block", "none"),
    )


def token_row(row: ObjectVar[TokenRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(row.scope_label),
        rx.table.cell(row.created),
        rx.table.cell(row.last_used),
        rx.table.cell(
            rx.button(
                "Revoke",
                variant="soft",
                color_scheme="red",
                size="1",
                aria_label="Revoke " + row.name,
                on_click=TokensState.revoke(row.id),
            )
        ),
    )


def token_table() -> rx.Component:
    return rx.cond(
        TokensState.rows,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Scope"),
                    rx.table.column_header_cell("Created"),
                    rx.table.column_header_cell("Last used"),
                    rx.table.column_header_cell(rx.el.span("Actions", class_name="sr-only")),
                )
            ),
            rx.table.body(rx.foreach(TokensState.rows, token_row)),
            width="100%",
        ),
        rx.cond(TokensState.loaded, rx.text("You have no tokens yet.", id="tokens-empty")),
    )


def create_form() -> rx.Component:
    name_error = TokensState.errors["name"].to(str)
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New token", size="4", as_="h2"),
                labelled(
                    "Name",
                    "new-token-name",
                    rx.input(
                        id="new-token-name",
                        value=TokensState.new_name,
                        on_change=TokensState.set_new_name,
                        placeholder="What it is for, e.g. shop website",
                        width="100%",
                        **described_by_error(name_error, "new-token-name"),
                    ),
                    error=name_error,
                    width="100%",
                ),
                rx.el.fieldset(
                    rx.el.legend("Scope"),
                    rx.radio_group(
                        ["read", "write"],
                        value=TokensState.new_scope,
                        on_change=TokensState.set_new_scope,
                        direction="row",
                        spacing="4",
                    ),
                    rx.text(
                        "read: list and show images and galleries; write: also upload, edit "
                        "and delete.",
                        size="1",
                        color_scheme="gray",
                    ),
                    style={"border": "none", "padding": "0"},
                ),
                rx.button("Create token", type="submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=lambda _form: TokensState.create,
            reset_on_submit=False,
        ),
        width="100%",
    )


def tokens_page() -> rx.Component:
    return page_shell(
        rx.heading(TITLE, size="7", as_="h1"),
        rx.text(
            "Scripts and storefronts use the ",
            rx.link("JSON API", href="/api/v1/docs", underline="always"),
            " with a personal token (Authorization: Bearer <token>). A token sees exactly "
            "what you see.",
        ),
        live_region(rx.text(TokensState.message), region_id="tokens-status"),
        new_token_panel(),
        token_table(),
        create_form(),
    )
