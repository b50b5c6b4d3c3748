"""ASGI wrappers around the whole Reflex backend: the last line of defence for private files."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

UPLOAD_PREFIX = "/_upload"


def _is_under(path: str, prefix: str) -> bool:
    """True for ``prefix`` itself and anything below it, however many slashes lead."""
    path = "/" + path.lstrip("/")
    return path == prefix or path.startswith(prefix + "/")


class PublicUploadReadGuard:
    """Answers 404 to every GET/HEAD under ``/_upload``.

    Reflex mounts its upload dir there as public static files as soon as an upload
    component exists; imageapp serves files only through its own checked routes, so
    nothing may ever be read from there. The upload POST itself passes through.
    """

    def __init__(self, app: ASGIApp, prefix: str = UPLOAD_PREFIX) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and _is_under(scope["path"], self.prefix)
        ):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SameOriginWebSocketGuard:
    """Refuses WebSocket handshakes from other origins (cross-site WebSocket hijacking).

    Reflex handlers trust the session cookie sent with the WebSocket handshake, and
    browsers send it even when another site's page opens the socket. Reflex's own
    check is off because imageapp sets ``cors_allowed_origins=[]`` (so no other site may
    read our HTTP responses either); origins listed there are still accepted (dev mode).
    """

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_origins = {origin.rstrip("/") for origin in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._origin_allowed(Headers(scope=scope)):
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    def _origin_allowed(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is None:
            return True  # not a browser: no ambient cookies to abuse
        if "*" in self.allowed_origins or origin.rstrip("/") in self.allowed_origins:
            return True
        # Only the Host the connection itself carries: forwarded headers (X-Forwarded-Host
        # included) can be sent by anyone and are never believed until trusted proxies are
        # configurable.
        host = headers.get("host", "").strip().lower()
        return bool(host) and urlsplit(origin).netloc.lower() == host
