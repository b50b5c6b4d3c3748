"""The API app, mounted at /api/v1 by the fallback app: routes, error shape, OpenAPI and its
docs page, whose Swagger UI files are served from the swagger-ui-bundle package (no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imageapp.api import (
    routes_galleries,
    routes_images,
    routes_share_links,
    routes_trash,
    routes_uploads,
)
from imageapp.api.errors import ErrorBody, ErrorItem, error_response, install_error_handlers
from imageapp.default_headers import DefaultHeaders

PREFIX = "/api/v1"
ASSETS = "/docs/assets"
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
API_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be read (not JSON, not UTF-8)."),
    401: _error("No token, or an unknown or revoked one."),
    403: _error("A read token asked to change something."),
    404: _error("Not this store's, or no such thing."),
    413: _error("The body is too large."),
    422: _error("A value was refused; `field` names it."),
    429: _error("Too many requests for this token; see Retry-After."),
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("No file, or an incomplete upload (or a body that could not be read)."),
    413: _error("The file (or the store's quota) is too large."),
    415: _error("Not an accepted image type."),
}


JSON_BODY_MAX = 1024 * 1024  # far past any metadata or order; uploads stream (their own limit)


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body reading passes it on as it is (a 413)."""

    def __init__(self) -> None:
        super().__init__(413, f"The body is larger than {JSON_BODY_MAX} bytes.")


class JsonBodyLimit:
    """Bodies of every route but step 1 are read whole: past JSON_BODY_MAX they are refused
    (413) whether the length was declared or not, before they can fill the memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").removeprefix(scope.get("root_path", ""))
        if scope["type"] != "http" or path.rstrip("/") == "/uploads":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > JSON_BODY_MAX:
            await _too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > JSON_BODY_MAX:
                    raise BodyTooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    item = ErrorItem(
        field=None, code="too_large", message=f"The body is larger than {JSON_BODY_MAX} bytes."
    )
    await error_response(413, [item])(scope, receive, send)


def create_api_app() -> FastAPI:
    app = FastAPI(
        title="imageapp API",
        version="1",
        description="Images and galleries of your store, for scripts and storefronts. "
        "Send a personal token (make one at /nojs/tokens): `Authorization: Bearer <token>`.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=COMMON_ERRORS,
    )
    app.include_router(routes_uploads.router, responses=UPLOAD_ERRORS)
    app.include_router(routes_images.router)
    app.include_router(routes_galleries.router)
    app.include_router(routes_share_links.router)
    app.include_router(routes_trash.router)
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_DIR), name="swagger-assets")
    install_error_handlers(app)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="imageapp API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
        )
        page.headers["content-security-policy"] = DOCS_CSP
        return page

    app.add_middleware(JsonBodyLimit)
    app.add_middleware(DefaultHeaders, headers=API_HEADERS)  # the docs page sets its own CSP
    return app
