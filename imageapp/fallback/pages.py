"""Rendering and redirecting for the no-JS pages: templates, security headers, JSON or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from imageapp import urls
from imageapp.config import get_settings
from imageapp.fallback.session import csrf_token, pop_flashes
from imageapp.services.validation import ACCEPT_ATTRIBUTE, format_bytes
from imageapp.services.wording import matching_label

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["urls"] = urls  # every path a template links to comes from imageapp.urls
templates.env.globals["matching_label"] = matching_label  # counts worded as in the Reflex UI

# No page here runs any script: everything else is denied too.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def load_templates() -> None:
    """Read and compile every template now: async routes render on the event loop, which must
    never wait for the disk (Jinja only checks the files' mtimes afterwards)."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.get_template(name)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A full page with the session's CSRF token, pending flash messages and upload limits."""
    settings = get_settings()
    response = templates.TemplateResponse(
        request,
        template,
        {
            "csrf_token": csrf_token(request),
            "flashes": pop_flashes(request),
            "max_upload_text": format_bytes(settings.max_upload_bytes),
            "max_megapixels": f"{settings.max_pixels / 1_000_000:g}",
            "accept": ACCEPT_ATTRIBUTE,
            "pending_ttl_minutes": settings.pending_ttl_minutes,
            "format_bytes": format_bytes,
            "user": getattr(request.state, "user", None),
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    """303 See Other: post/redirect/get."""
    return RedirectResponse(url, status_code=303)


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        "application/json" in accept
        or request.headers.get("x-requested-with", "").lower() == "xmlhttprequest"
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(request, "error.html", status_code, title=title, message=message)
