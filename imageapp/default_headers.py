"""One ASGI wrapper that adds the headers a response does not set itself (CSP, nosniff and
friends): the no-JS pages and the API each give it their own set and the paths it covers."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DefaultHeaders:
    """Adds ``headers`` to every HTTP response under one of ``prefixes`` that lacks them
    (a route's own value wins: the API docs page brings its own CSP)."""

    def __init__(
        self, app: ASGIApp, *, headers: Mapping[str, str], prefixes: tuple[str, ...] = ("",)
    ) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in self.headers if item[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
