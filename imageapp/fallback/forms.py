"""Reading text forms (metadata, cancel, bulk selections ...) with caps, and their CSRF check."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from imageapp.fallback.session import csrf_valid

MAX_FORM_BYTES = 256 * 1024
MAX_SMALL_FORM_FIELDS = 50
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


@dataclass(frozen=True, slots=True)
class FormFields:
    """A form's fields in the order sent; a name may repeat (a checkbox per image)."""

    pairs: tuple[tuple[str, str], ...]

    def first_values(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for key, value in self.pairs:
            fields.setdefault(key, value)
        return fields

    def all_values(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]


def _too_large() -> FormRefused:
    return FormRefused(413, "Form too large", "The form you sent is too large.")


async def read_form(
    request: Request, *, max_fields: int = MAX_SMALL_FORM_FIELDS, max_bytes: int = MAX_FORM_BYTES
) -> FormFields:
    """A url-encoded or multipart text form; bodies past ``max_bytes`` or with more than
    ``max_fields`` fields are refused (413) before anything is done with them."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=0, max_fields=max_fields, max_part_size=max_bytes)
        return FormFields(
            tuple((key, value) for key, value in form.multi_items() if isinstance(value, str))
        )
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                raise _too_large()
    except ClientDisconnect:
        raise FormRefused(400, "Incomplete form", "The form arrived incomplete.") from None
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=max_fields
        )
    except ValueError:  # more fields than allowed
        raise _too_large() from None
    return FormFields(tuple(pairs))


async def read_small_form(request: Request) -> dict[str, str]:
    """The fields of a small form (first value of each name), within the default caps."""
    return (await read_form(request)).first_values()


def require_csrf(request: Request, form: dict[str, str]) -> None:
    """Every POST carries the session's token; otherwise nothing happens (403)."""
    if not csrf_valid(request, form.get("csrf_token")):
        raise FormRefused(403, "Form expired", CSRF_MESSAGE)
