"""The server-rendered fallback (works with JavaScript off), mounted into the Reflex backend."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from imageapp import urls
from imageapp.api.app import PREFIX as API_PREFIX
from imageapp.api.app import create_api_app
from imageapp.config import get_settings
from imageapp.default_headers import DefaultHeaders
from imageapp.fallback import (
    routes_accounts,
    routes_bulk,
    routes_edit,
    routes_galleries,
    routes_library,
    routes_share,
    routes_share_admin,
    routes_tokens,
    routes_trash,
    routes_tus,
    routes_upload,
)
from imageapp.fallback.auth import LoginRequired, login_url
from imageapp.fallback.forms import FormRefused
from imageapp.fallback.pages import SECURITY_HEADERS, error_page, load_templates, wants_json
from imageapp.services.galleries import GalleryNotFound
from imageapp.services.storage import StorageUnavailable
from imageapp.session_cookie import COOKIE_NAME, MAX_AGE_SECONDS

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


FALLBACK_PREFIXES = (urls.NOJS, urls.MEDIA, urls.SHARE + "/", urls.TUS + "/")


def create_fallback_app() -> FastAPI:
    """The FastAPI app of the no-JS pages and the media route (DESIGN.md, Fallback URLs)."""
    settings = get_settings()
    load_templates()
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(routes_upload.router)
    app.include_router(routes_share_admin.router)  # before /nojs/images/{image_id}
    app.include_router(routes_bulk.router)  # before /nojs/images/{image_id}
    app.include_router(routes_edit.router)
    app.include_router(routes_library.router)
    app.include_router(routes_galleries.router)
    app.include_router(routes_trash.router)
    app.include_router(routes_accounts.router)
    app.include_router(routes_tokens.router)
    app.include_router(routes_share.router)
    app.include_router(routes_tus.router)  # resumable uploads, on every backend worker
    app.mount(urls.NOJS_STATIC, StaticFiles(directory=STATIC_DIR), name="static")
    # The JSON API: its own error handlers and docs; bearer tokens only, never the cookie.
    app.mount(API_PREFIX, create_api_app(), name="api")

    @app.get("/nojs", include_in_schema=False)
    @app.get("/nojs/", include_in_schema=False)
    def nojs_home() -> Response:
        return RedirectResponse(urls.NOJS_LIBRARY, status_code=303)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            errors = [{"code": "login_required", "message": "Log in first."}]
            return JSONResponse({"errors": errors}, status_code=401)
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(FormRefused)
    async def form_refused(request: Request, exc: FormRefused) -> Response:
        return error_page(request, exc.status_code, exc.title, exc.message)

    @app.exception_handler(GalleryNotFound)
    async def gallery_not_found(request: Request, exc: GalleryNotFound) -> Response:
        return error_page(request, 404, "Gallery not found", exc.message)

    @app.exception_handler(StorageUnavailable)
    async def storage_unavailable(request: Request, exc: StorageUnavailable) -> Response:
        """The bucket is down or refuses us: say so (503), never a traceback."""
        log.error("storage unavailable: %s", exc.detail or exc.message)
        headers = {"Retry-After": "60"}
        if wants_json(request) or not request.url.path.startswith(urls.NOJS):
            errors = [{"code": exc.code, "message": exc.message}]
            return JSONResponse({"errors": errors}, status_code=503, headers=headers)
        page = error_page(request, 503, "Storage unavailable", exc.message)
        page.headers.update(headers)
        return page

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if not request.url.path.startswith(urls.NOJS):
            return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")
        title = "Page not found" if exc.status_code == 404 else "Request refused"
        return error_page(request, exc.status_code, title, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A malformed address (``/nojs/images/abc``) is a page that does not exist."""
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        status, title = (404, "Page not found") if in_path else (400, "Request refused")
        message = "There is no page at this address." if in_path else "The request was malformed."
        if wants_json(request) or not request.url.path.startswith(urls.NOJS):
            return Response(message, status_code=status, media_type="text/plain")
        return error_page(request, status, title, message)

    # CSP, nosniff and friends on the fallback's answers only: this app wraps the whole
    # backend, and the Reflex SPA needs its scripts.
    app.add_middleware(DefaultHeaders, headers=SECURITY_HEADERS, prefixes=FALLBACK_PREFIXES)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=COOKIE_NAME,
        max_age=MAX_AGE_SECONDS,
        same_site="lax",
        # Secure under an https IMAGEAPP_PUBLIC_URL (or IMAGEAPP_SESSION_COOKIE_SECURE).
        https_only=settings.secure_cookies,
    )
    return app
