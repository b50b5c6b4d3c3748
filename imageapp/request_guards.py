"""ASGI wrappers around the whole Reflex backend: the last line of defence for private files."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from imageapp.proxies import TrustedProxies

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
    read our HTTP responses either); origins listed there are still accepted (dev mode), and
    so is IMAGEAPP_PUBLIC_URL's (behind a proxy the Host it sends may lack the public port).
    """

    def __init__(
        self, app: ASGIApp, allowed_origins: Iterable[str] = (), public_origin: str = ""
    ) -> None:
        self.app = app
        self.allowed_origins = {origin.rstrip("/") for origin in allowed_origins}
        if public_origin:
            self.allowed_origins.add(public_origin.rstrip("/").lower())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._origin_allowed(Headers(scope=scope)):
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    def _origin_allowed(self, headers: Headers) -> bool:
        return origin_allowed(headers, self.allowed_origins)


def origin_allowed(headers: Headers, allowed_origins: set[str]) -> bool:
    """A request without ``Origin`` (not a browser: no ambient cookies to abuse), or from
    an allowed origin, or from the very host it was sent to."""
    origin = headers.get("origin")
    if origin is None:
        return True
    stripped = origin.rstrip("/")
    if allowed_origins & {"*", stripped, stripped.lower()}:
        return True
    # Only the Host the connection itself carries: forwarded headers (X-Forwarded-Host
    # included) can be sent by anyone, and even a trusted proxy's never widen this check
    # (the public address is configured, IMAGEAPP_PUBLIC_URL, not read from a request).
    host = headers.get("host", "").strip().lower()
    return bool(host) and urlsplit(origin).netloc.lower() == host


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key.lower() == name]


class ForwardedHeaders:
    """ASGI wrapper: the scope's ``client`` and ``scheme`` as a trusted proxy reports them.

    Wraps the whole backend (the no-JS pages, Reflex's websocket and uploads), so
    ``request.client`` is the real client everywhere; Reflex's own ``client_ip`` reads the
    same scope. Nothing changes for a peer that is not trusted.
    """

    def __init__(self, app: ASGIApp, trusted: TrustedProxies | None = None) -> None:
        self.app = app
        self.trusted = trusted or TrustedProxies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted.networks and scope.get("client"):
            peer = scope["client"][0]
            if self.trusted.trusts(peer):
                scope = dict(scope)
                client = self.trusted.client_address(
                    peer, _header_values(scope, b"x-forwarded-for")
                )
                scope["client"] = (client, 0)
                current = scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http")
                scope["scheme"] = self.trusted.scheme(
                    peer, _header_values(scope, b"x-forwarded-proto"), current
                )
        await self.app(scope, receive, send)
