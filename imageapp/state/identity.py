"""Who is asking: the one place Reflex handlers learn the logged-in user.

Both UIs share the signed ``imageapp_session`` cookie (imageapp/session_cookie.py): the no-JS
pages read it through their middleware, Reflex handlers read it from the WebSocket handshake's
Cookie header and look its login token up with the same account service. So a pending upload
has one owner (``CurrentUser.upload_owner``) whichever UI made it, and one store.

Reflex sees the cookie as it was when the WebSocket connected: logging in happens on the
HTML login page, which then loads the Reflex page afresh, with the new cookie.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.session_cookie import AUTH_KEY, SessionCodec

LOGGED_OUT_MESSAGE = "You are not logged in any more. Please log in again to continue."


def login_token(state: rx.State) -> str | None:
    """The login session token in the verified cookie of the browser behind ``state``."""
    codec = SessionCodec(get_settings().resolved_secret_key())
    token = codec.session_from_cookie_header(state.router.headers.cookie).get(AUTH_KEY)
    return token if isinstance(token, str) and token else None


async def current_user(state: rx.State) -> CurrentUser | None:
    """The logged-in user, or None (no cookie, forged, logged out, session too old)."""
    token = login_token(state)
    if token is None:
        return None
    return await asyncio.to_thread(AccountService(get_engine()).user_for_session, token)


def to_login(state: rx.State) -> Any:
    """Send the browser to the login page, which brings it back here afterwards."""
    url = state.router.url
    path = url.path.rstrip("/") or urls.LIBRARY  # prod serves /upload as /upload/
    return load_page(urls.login(path + (f"?{url.query}" if url.query else "")))


def load_page(path: str) -> Any:
    """A real page load of ``path``: rx.redirect would route inside the SPA, which has no
    /nojs pages, and a fresh load is also how Reflex sees the cookie a login changed."""
    return rx.call_script(f"window.location.assign({json.dumps(path)})")


async def log_out(state: rx.State) -> None:
    """End the login session (the cookie then names a session that no longer exists)."""
    token = login_token(state)
    if token is not None:
        await asyncio.to_thread(AccountService(get_engine()).end_session, token)
