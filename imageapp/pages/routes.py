"""Every URL the Reflex UI links to, in one place (paths fixed by DESIGN.md).

A plain leaf module: the states import it too (preview and media URLs are display values).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

LIBRARY = "/"
UPLOAD = "/upload"
IMAGE = "/images/[image_id]"
GALLERIES = "/galleries"
GALLERY = "/galleries/[gallery_id]"
NOJS_LIBRARY = "/nojs/images"
NOJS_UPLOAD = "/nojs/images/upload"
NOJS_GALLERIES = "/nojs/galleries"
PENDING_PREVIEW = "/nojs/images/upload/preview"
LOGIN = "/nojs/login"
# A JS-off browser follows "?nojs=1" on any Reflex page to that page's /nojs counterpart.
NOJS_QUERY = "nojs"


def image(image_id: int | str) -> str:
    """The Reflex page of one image."""
    return f"/images/{image_id}"


def library(query: Mapping[str, str | int]) -> str:
    """The library page with these filters and page (empty values left out)."""
    kept = {name: value for name, value in query.items() if value not in ("", None)}
    return f"{LIBRARY}?{urlencode(kept)}" if kept else LIBRARY


def gallery(gallery_id: int | str) -> str:
    """The Reflex page of one gallery."""
    return f"{GALLERIES}/{gallery_id}"


def nojs_gallery(gallery_id: int | str) -> str:
    """The no-JavaScript page of one gallery."""
    return f"{NOJS_GALLERIES}/{gallery_id}"


def nojs_image(image_id: int | str) -> str:
    """The no-JavaScript page of one image."""
    return f"{NOJS_LIBRARY}/{image_id}"


def media(image_id: int | str) -> str:
    """The stored file of an active image (the media route)."""
    return f"/media/{image_id}"


def pending_preview(upload_token: str) -> str:
    """The session-checked preview of a pending upload (never Reflex's public /_upload)."""
    return f"{PENDING_PREVIEW}?token={quote(upload_token, safe='')}"


def login(next_path: str) -> str:
    """The (HTML) login page, which sends the browser back to ``next_path`` afterwards."""
    return f"{LOGIN}?next={quote(next_path, safe='/')}"


def nojs_counterpart(path: str) -> str:
    """The /nojs page showing what the Reflex page at ``path`` shows."""
    parts = [part for part in path.split("/") if part]
    if parts == ["upload"]:
        return NOJS_UPLOAD
    one_of = len(parts) == 2 and parts[1].isdigit()
    if parts[:1] == ["galleries"]:
        return nojs_gallery(parts[1]) if one_of else NOJS_GALLERIES
    if parts[:1] == ["images"] and one_of:
        return nojs_image(parts[1])
    return NOJS_LIBRARY
