"""Per-browser session helpers for the no-JS pages: CSRF token, flash messages, kept forms."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from starlette.requests import Request

CSRF_KEY = "csrf"
FLASH_KEY = "flash"
UPLOAD_TOKEN_KEY = "current_image_upload_token"  # noqa: S105 (a session key, not a secret)
FIELD_ERRORS_KEY = "field_errors"
FORM_VALUES_KEY = "form_values"
SELECTION_KEY = "selection"
UNDO_KEY = "undo_trash"
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


def keep_undo(request: Request, trashed_at: datetime) -> None:
    """Which delete the next library page offers to undo: its moment (a few bytes, whatever
    the number of images; the page asks the trash which of them are still in it)."""
    request.session[UNDO_KEY] = trashed_at.isoformat()


def pop_undo(request: Request) -> datetime | None:
    kept = request.session.pop(UNDO_KEY, None)
    try:
        return datetime.fromisoformat(kept) if isinstance(kept, str) else None
    except ValueError:
        return None
