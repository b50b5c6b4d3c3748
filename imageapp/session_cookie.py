"""The signed session cookie both UIs trust: Starlette's SessionMiddleware format.

The no-JS pages read it through SessionMiddleware; Reflex handlers read the same cookie from
the WebSocket's headers and verify it with this codec, so both know the same logged-in user
(who owns pending uploads: ``CurrentUser.upload_owner``). A browser gets the cookie from the
no-JS pages (the login form's CSRF token, then the login); nothing needs one before that.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from http.cookies import CookieError, SimpleCookie
from typing import Any

import itsdangerous

COOKIE_NAME = "imageapp_session"
MAX_AGE_SECONDS = 14 * 24 * 3600
# The login session token (see services/accounts.py); absent while logged out.
AUTH_KEY = "auth"


class SessionCodec:
    """Sign and verify session cookies exactly as ``starlette.middleware.sessions`` does."""

    def __init__(self, secret_key: str, max_age: int = MAX_AGE_SECONDS) -> None:
        self._signer = itsdangerous.TimestampSigner(secret_key)
        self.max_age = max_age

    def encode(self, session: dict[str, Any]) -> str:
        data = b64encode(json.dumps(session).encode("utf-8"))
        return self._signer.sign(data).decode("utf-8")

    def decode(self, value: str) -> dict[str, Any] | None:
        """The session in a cookie value, or None if forged, expired or malformed."""
        try:
            data = self._signer.unsign(value.encode("utf-8"), max_age=self.max_age)
            session = json.loads(b64decode(data))
        except (itsdangerous.BadSignature, ValueError):
            return None
        return session if isinstance(session, dict) else None

    def session_from_cookie_header(self, cookie_header: str | None) -> dict[str, Any]:
        """The verified session in a raw ``Cookie:`` header ({} when absent or forged)."""
        value = cookie_value(cookie_header, COOKIE_NAME)
        return (self.decode(value) if value else None) or {}


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None
