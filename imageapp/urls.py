"""Every URL the app links to, in one place (paths fixed by DESIGN.md): the Reflex pages, the
no-JS pages and their forms, and the media route.

A plain leaf module at the package root, imported by pages, states, the fallback routes and
(as the Jinja2 global ``urls``) the templates, so no front end spells a path of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

# -- the Reflex pages ---------------------------------------------------------------------------
LIBRARY = "/"
UPLOAD = "/upload"
IMAGE = "/images/[image_id]"
GALLERIES = "/galleries"
GALLERY = "/galleries/[gallery_id]"
TOKENS = "/tokens"
TRASH = "/trash"

# -- the no-JS pages and the forms they post to ---------------------------------------------------
NOJS = "/nojs"
NOJS_LIBRARY = "/nojs/images"
NOJS_UPLOAD = "/nojs/images/upload"
NOJS_UPLOAD_METADATA = "/nojs/images/upload/metadata"
NOJS_UPLOAD_CANCEL = "/nojs/images/upload/cancel"
NOJS_UPLOAD_DIFFERENT = "/nojs/images/upload/different"
PENDING_PREVIEW = "/nojs/images/upload/preview"
NOJS_BULK = "/nojs/images/bulk"
NOJS_BULK_DELETE = "/nojs/images/bulk/delete"
NOJS_GALLERIES = "/nojs/galleries"
NOJS_TRASH = "/nojs/trash"
NOJS_TRASH_RESTORE = "/nojs/trash/restore"
NOJS_TRASH_DELETE = "/nojs/trash/delete"
NOJS_STATIC = "/nojs/static"
LOGIN = "/nojs/login"
LOGOUT = "/nojs/logout"
SETUP = "/nojs/setup"
USERS = "/nojs/users"
NOJS_TOKENS = "/nojs/tokens"
# A JS-off browser follows "?nojs=1" on any Reflex page to that page's /nojs counterpart.
NOJS_QUERY = "nojs"

# -- files ----------------------------------------------------------------------------------------
MEDIA = "/media"
SHARE = "/s"  # public share links: /s/<token>, its media and downloads
TUS = "/tus"  # resumable uploads (tus 1.0.0): /tus/ and /tus/<id>


def _with_query(path: str, query: Mapping[str, str | int | None]) -> str:
    kept = {name: value for name, value in query.items() if value not in ("", None)}
    return f"{path}?{urlencode(kept)}" if kept else path


def image(image_id: int | str) -> str:
    """The Reflex page of one image."""
    return f"/images/{image_id}"


def library(query: Mapping[str, str | int | None]) -> str:
    """The library page with these filters and page (empty values left out)."""
    return _with_query(LIBRARY, query)


def gallery(gallery_id: int | str) -> str:
    """The Reflex page of one gallery."""
    return f"{GALLERIES}/{gallery_id}"


def nojs_library(query: Mapping[str, str | int | None]) -> str:
    """The no-JS library with these filters and page (empty values left out)."""
    return _with_query(NOJS_LIBRARY, query)


def nojs_image(image_id: int | str) -> str:
    """The no-JavaScript page of one image."""
    return f"{NOJS_LIBRARY}/{image_id}"


def nojs_gallery(gallery_id: int | str, *, page: int = 1, image_id: int | None = None) -> str:
    """The no-JavaScript page of one gallery (on ``page``, scrolled to ``image_id``)."""
    query = f"?page={page}" if page > 1 else ""
    anchor = f"#image-{image_id}" if image_id is not None else ""
    return f"{NOJS_GALLERIES}/{gallery_id}{query}{anchor}"


def nojs_gallery_action(gallery_id: int | str, action: str) -> str:
    """A form or page of one gallery: ``edit``, ``delete``, ``move``, ``featured``, ``remove``."""
    return f"{NOJS_GALLERIES}/{gallery_id}/{action}"


def media(image_id: int | str) -> str:
    """The stored original of an active image (the media route)."""
    return f"{MEDIA}/{image_id}"


def media_file(image_id: int | str, file_name: str) -> str:
    """A rendition of an active image by its public name (``<preset>.<digest>.<ext>``)."""
    return f"{MEDIA}/{image_id}/{file_name}"


def nojs_trash(page: int = 1) -> str:
    """The no-JS trash (on ``page``)."""
    return f"{NOJS_TRASH}?page={page}" if page > 1 else NOJS_TRASH


def trash_thumbnail(image_id: int | str) -> str:
    """A trashed image's thumbnail, for the trash pages only (members of its store)."""
    return f"{NOJS_TRASH}/{image_id}/thumbnail"


# Not a rendition name (those have no hyphen): a JPEG of an original browsers cannot show.
MEDIA_PREVIEW_NAME = "original-preview.jpg"


def media_preview(image_id: int | str) -> str:
    """A JPEG made from an active HEIC/HEIF original, shown until its renditions exist."""
    return f"{MEDIA}/{image_id}/{MEDIA_PREVIEW_NAME}"


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
    if parts == ["tokens"]:
        return NOJS_TOKENS
    if parts == ["trash"]:
        return NOJS_TRASH
    one_of = len(parts) == 2 and parts[1].isdigit()
    if parts[:1] == ["galleries"]:
        return nojs_gallery(parts[1]) if one_of else NOJS_GALLERIES
    if parts[:1] == ["images"] and one_of:
        return nojs_image(parts[1])
    return NOJS_LIBRARY


def nojs_token_revoke(token_id: int | str) -> str:
    """The form that revokes one API token."""
    return f"{NOJS_TOKENS}/{token_id}/revoke"


def share(token: str) -> str:
    """The public page of a share link."""
    return f"{SHARE}/{token}"


def share_media(token: str, image_id: int | str, name: str) -> str:
    """One rendition of an image, through a share link."""
    return f"{SHARE}/{token}/media/{image_id}/{name}"


def share_download(token: str, image_id: int | str) -> str:
    """An original, through a share link that allows downloads."""
    return f"{SHARE}/{token}/download/{image_id}"


def nojs_gallery_share(gallery_id: int | str) -> str:
    return f"{NOJS_GALLERIES}/{gallery_id}/share"


def nojs_image_share(image_id: int | str) -> str:
    return f"{NOJS_LIBRARY}/{image_id}/share"


def nojs_image_edit(image_id: int | str) -> str:
    """The no-JS edit form's action (rotate, crop, focal point, reset)."""
    return f"{NOJS_LIBRARY}/{image_id}/edit"


def nojs_share_revoke(link_id: int | str) -> str:
    return f"{NOJS}/share-links/{link_id}/revoke"
