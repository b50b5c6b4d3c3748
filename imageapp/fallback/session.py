"""Per-browser session helpers for the no-JS pages: identity, CSRF token, flash messages."""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imageapp.session_cookie import COOKIE_NAME, IDENTITY_KEY, SessionCodec, new_identity

CSRF_KEY = "csrf"
FLASH_KEY = "flash"
UPLOAD_TOKEN_KEY = "current_image_upload_token"  # noqa: S105 (a session key, not a secret)
FIELD_ERRORS_KEY = "field_errors"
FORM_VALUES_KEY = "form_values"
SELECTION_KEY = "selection"
# The session is a signed cookie: a kept selection must stay far below its 4 KB.
KEPT_SELECTION_MAX = 200


def csrf_token(request: Request) -> str:
    """The session's CSRF token (one per session, put in every form)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def flash(request: Request, message: str, category: str = "info") -> None:
    """Queue a message for the next page this browser sees (post/redirect/get)."""
    messages = list(request.session.get(FLASH_KEY, []))
    messages.append({"category": category, "message": message})
    request.session[FLASH_KEY] = messages[-5:]


def pop_flashes(request: Request) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = request.session.pop(FLASH_KEY, [])
    return messages


def pop_field_errors(request: Request) -> dict[str, str]:
    errors: dict[str, str] = request.session.pop(FIELD_ERRORS_KEY, {})
    return errors


def keep_form_state(request: Request, values: dict[str, str], errors: dict[str, str]) -> None:
    """Short values and their errors, for the page the 303 leads to (never passwords)."""
    request.session[FORM_VALUES_KEY] = {key: value[:300] for key, value in values.items()}
    request.session[FIELD_ERRORS_KEY] = errors


def pop_form_state(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = request.session.pop(FORM_VALUES_KEY, {})
    return values, pop_field_errors(request)


def keep_selection(request: Request, image_ids: list[int]) -> None:
    """The boxes that were checked, for the page a refused bulk form returns to. A selection
    larger than any page is not kept (it did not come from one page)."""
    if len(image_ids) <= KEPT_SELECTION_MAX:
        request.session[SELECTION_KEY] = image_ids


def pop_selection(request: Request) -> set[int]:
    kept = request.session.pop(SELECTION_KEY, [])
    return {image_id for image_id in kept if isinstance(image_id, int)}


class SessionIdentityIssuer:
    """ASGI wrapper: a browser without a valid session cookie gets one, on ANY page.

    Reflex's prerendered pages never pass through SessionMiddleware, yet a Reflex handler must
    know who owns a pending upload when the WebSocket connects; so the first response (the SPA
    HTML included) sets the same signed cookie the no-JS pages use. The new cookie is also put
    into the request itself, so everything downstream sees one identity from the first request.
    """

    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool = False) -> None:
        self.app = app
        self.codec = codec
        self.flags = f"path=/; Max-Age={codec.max_age}; httponly; samesite=lax" + (
            "; secure" if secure else ""
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._has_valid_cookie(scope):
            await self.app(scope, receive, send)
            return
        cookie = self.codec.encode({IDENTITY_KEY: new_identity()})
        scope = dict(scope)
        headers = MutableHeaders(scope=scope)
        existing = headers.get("cookie")
        headers["cookie"] = (
            f"{existing}; {COOKIE_NAME}={cookie}" if existing else (f"{COOKIE_NAME}={cookie}")
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                already = any(
                    value.startswith(f"{COOKIE_NAME}=")
                    for value in response_headers.getlist("set-cookie")
                )
                if not already:
                    response_headers.append("set-cookie", f"{COOKIE_NAME}={cookie}; {self.flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _has_valid_cookie(self, scope: Scope) -> bool:
        raw: dict[bytes, bytes] = dict(scope.get("headers", []))
        header = raw.get(b"cookie", b"").decode("latin-1")
        return self.codec.identity_from_cookie_header(header) is not None
