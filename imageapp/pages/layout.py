"""What every page shares: the header with its navigation, and the way out without JS."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx

from imageapp import urls
from imageapp.state.account import AccountState

# Elements with this class only make sense with JavaScript (spinners that would spin forever).
JS_ONLY = "js-only"


def no_javascript_notice() -> rx.Component:
    """An app wrap, so it is in every prerendered page, the SPA fallback included (that one
    serves dynamic routes such as /images/<id>); the app is nested after it, not inside.

    A relative ``?nojs=1`` keeps the browser's path, which the server redirects to the page's
    /nojs counterpart: a fixed link could not name the image of a dynamic route. Raw HTML,
    because Reflex turns ``rx.el.a`` into a router link, resolved when the page is built.
    """
    return rx.fragment(
        rx.el.noscript(
            rx.html(
                f"<style>.{JS_ONLY} {{ display: none !important; }}</style>"
                '<p style="padding: 1rem; text-align: center">JavaScript is off. '
                f'<a href="?{urls.NOJS_QUERY}=1" style="color: var(--accent-11)">'
                "Use the basic HTML version</a>.</p>"
            )
        )
    )


def nav_link(label: str, href: str) -> rx.Component:
    return rx.link(label, href=href, size="3", weight="medium", underline="hover")


def account_menu() -> rx.Component:
    """Who is logged in (to which store), and the way out."""
    return rx.cond(
        AccountState.email,
        rx.hstack(
            rx.vstack(
                rx.text(AccountState.store_name, size="1", weight="bold"),
                rx.text(AccountState.email, size="1", color_scheme="gray"),
                spacing="0",
                align="end",
                display=rx.breakpoints(initial="none", sm="flex"),
            ),
            rx.button(
                rx.icon("log-out", size=14),
                "Log out",
                variant="soft",
                color_scheme="gray",
                size="1",
                on_click=AccountState.log_out,
            ),
            align="center",
            spacing="3",
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("images", size=22), rx.text("imageapp", weight="bold")),
                href=urls.LIBRARY,
                color_scheme="gray",
                high_contrast=True,
                underline="none",
                aria_label="imageapp: the library",
            ),
            rx.spacer(),
            rx.el.nav(
                rx.hstack(
                    nav_link("Library", urls.LIBRARY),
                    nav_link("Galleries", urls.GALLERIES),
                    nav_link("Trash", urls.TRASH),
                    nav_link("API tokens", urls.TOKENS),
                    account_menu(),
                    rx.button(
                        rx.link(
                            rx.icon("upload", size=16),
                            "Upload",
                            href=urls.UPLOAD,
                            underline="none",
                        ),
                        as_child=True,
                        size="2",
                    ),
                    spacing="5",
                    align="center",
                ),
                aria_label="Main",
            ),
            align="center",
            width="100%",
        ),
        style={
            "border_bottom": "1px solid var(--gray-a5)",
            "padding": "0.75rem 1.5rem",
            "background": "var(--color-panel-solid)",
        },
    )


MAIN_ID = "main"


def skip_link() -> rx.Component:
    """The first tab stop: past the header to the page's content (WCAG 2.4.1), shown only
    while focused. Raw HTML: Reflex makes ``rx.el.a`` a router link, which would not move
    the focus to the target."""
    return rx.html(f'<a class="skip-link" href="#{MAIN_ID}">Skip to content</a>')


def page_shell(*children: rx.Component) -> rx.Component:
    """A page: the skip link, the header, then the content in a centred column."""
    return rx.box(
        skip_link(),
        header(),
        rx.el.main(
            rx.container(
                rx.vstack(*children, spacing="5", width="100%"),
                size="4",
                padding_x="1.5rem",
                padding_y="2rem",
            ),
            id=MAIN_ID,
            tab_index=-1,  # the skip link's target takes the focus (no outline: not a control)
            style={"outline": "none"},
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
