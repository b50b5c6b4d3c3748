"""ASGI wrapper: a Reflex page asked for with ``?nojs=1`` redirects to its /nojs counterpart.

Every prerendered page (and the SPA fallback that serves dynamic routes like /images/<id>)
carries the same ``<noscript>`` link, ``?nojs=1``: relative, so it keeps the path, which is
how a static link can lead a browser without JavaScript to the page of the right image.
The library's filters have the same names in both UIs, so they come along.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from imageapp.urls import LIBRARY, NOJS_QUERY, nojs_counterpart

# The library's query parameters that /nojs/images understands too.
LIBRARY_PARAMETERS = ("q", "tag", "gallery", "status", "page")


class NoJavaScriptRedirect:
    """303 from ``<page>?nojs=1`` to the page's /nojs counterpart; everything else passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not scope["path"].startswith(("/nojs", "/media", "/_"))
            and NOJS_QUERY in _query(scope)
        ):
            target = nojs_counterpart(scope["path"])
            if scope["path"] == LIBRARY:
                target += _library_query(_query(scope))
            await RedirectResponse(target, status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _query(scope: Scope) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def _library_query(query: dict[str, list[str]]) -> str:
    kept = [(name, query[name][0]) for name in LIBRARY_PARAMETERS if query.get(name, [""])[0]]
    return f"?{urlencode(kept)}" if kept else ""
