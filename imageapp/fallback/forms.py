"""Reading the small forms (metadata, cancel, ...) with a size cap, and their CSRF check."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from imageapp.fallback.session import csrf_valid

MAX_FORM_BYTES = 256 * 1024
CSRF_MESSAGE = (
    "This form has expired or did not come from this site. Reload the page and try again."
)


class FormRefused(Exception):
    """A POST that is refused before anything happens; rendered as an error page."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


async def read_small_form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded or multipart text form, refusing bodies past the cap."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormRefused(413, "Form too large", "The form you sent is too large.")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=0, max_fields=50, max_part_size=MAX_FORM_BYTES)
        return {key: value for key, value in form.items() if isinstance(value, str)}
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise FormRefused(413, "Form too large", "The form you sent is too large.")
    except ClientDisconnect:
        raise FormRefused(400, "Incomplete form", "The form arrived incomplete.") from None
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    fields: dict[str, str] = {}
    for key, value in pairs[:50]:
        fields.setdefault(key, value)
    return fields


def require_csrf(request: Request, form: dict[str, str]) -> None:
    """Every POST carries the session's token; otherwise nothing happens (403)."""
    if not csrf_valid(request, form.get("csrf_token")):
        raise FormRefused(403, "Form expired", CSRF_MESSAGE)
