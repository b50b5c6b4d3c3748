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
    """The login session token in the verified cookie of the browser behind ``state``.
    Blocking (the key may be read from its file): handlers use ``current_user``."""
    return _token_in(state.router.headers.cookie)


def _token_in(cookie_header: str | None) -> str | None:
    codec = SessionCodec(get_settings().resolved_secret_key())
    token = codec.session_from_cookie_header(cookie_header).get(AUTH_KEY)
    return token if isinstance(token, str) and token else None


def _user_for(cookie_header: str | None) -> CurrentUser | None:
    token = _token_in(cookie_header)
    return None if token is None else AccountService(get_engine()).user_for_session(token)


async def current_user(state: rx.State) -> CurrentUser | None:
    """The logged-in user, or None (no cookie, forged, logged out, session too old). In a
    thread, key file and database both: handlers run on the event loop."""
    return await asyncio.to_thread(_user_for, state.router.headers.cookie)


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
    await asyncio.to_thread(_end_session, state.router.headers.cookie)


def _end_session(cookie_header: str | None) -> None:
    token = _token_in(cookie_header)
    if token is not None:
        AccountService(get_engine()).end_session(token)
