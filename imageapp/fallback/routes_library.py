"""Browsing the library without JavaScript, and the media route that serves active images."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from imageapp import urls
from imageapp.config import Settings
from imageapp.fallback.auth import UserDep, ViewerDep
from imageapp.fallback.deps import (
    EngineDep,
    GalleriesDep,
    PathId,
    SettingsDep,
    TrashDep,
    UploadsDep,
)
from imageapp.fallback.image_page import render_image_page
from imageapp.fallback.pages import render
from imageapp.fallback.session import pop_form_state, pop_selection, pop_undo
from imageapp.fallback.stored_files import stored_file_response
from imageapp.services.accounts import CurrentUser
from imageapp.services.library_query import LibraryQuery
from imageapp.services.media import (
    ANY_STORE,
    AnyStore,
    MediaFile,
    active_image_file,
    active_rendition_file,
)
from imageapp.services.previews import jpeg_preview, needs_conversion
from imageapp.services.storage import Storage
from imageapp.services.usecases.library import browse_library

router = APIRouter()

# /media/<id>/<preset>.<ext> (current file) or /media/<id>/<preset>.<digest>.<ext> (immutable).
RENDITION_FILE = re.compile(
    r"^(?P<preset>[a-z][a-z0-9_]{0,31})(?:\.(?P<digest>[0-9a-f]{16}))?\.(?P<extension>avif|webp|jpg|png)$"
)
FORMATS = {"avif": "avif", "webp": "webp", "jpg": "jpeg", "png": "png"}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"


@router.get(urls.NOJS_LIBRARY, name="image_list")
def image_list(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    galleries: GalleriesDep,
    trash: TrashDep,
    user: UserDep,
) -> Response:
    """The library, filtered; a form of checkboxes around it for the bulk actions (and, right
    after a delete, the "Undo" of it)."""
    query = LibraryQuery.from_params(request.query_params)
    found = browse_library(
        engine, galleries, store_id=user.store_id, query=query, page_size=settings.page_size
    )
    shown = [image.id for image in found.listing.items]
    select_all = request.query_params.get("select") == "all"
    kept = pop_selection(request)
    values, errors = pop_form_state(request)
    undo_at = pop_undo(request)
    undo = trash.trashed_together(store_id=user.store_id, at=undo_at) if undo_at else []
    return render(
        request,
        "image_list.html",
        listing=found.listing,
        pictures=found.pictures,
        query=found.query,
        galleries=found.galleries,
        selected=set(shown) if select_all else kept,
        values=values,
        errors=errors,
        undo_ids=undo,
    )


@router.get("/nojs/images/{image_id}", name="image_detail")
def image_detail(request: Request, engine: EngineDep, user: UserDep, image_id: PathId) -> Response:
    _, errors = pop_form_state(request)
    return render_image_page(request, engine, user, image_id, errors=errors)


@router.get("/media/{image_id}", name="media")
def media(request: Request, image_id: PathId, uploads: UploadsDep, viewer: ViewerDep) -> Response:
    """An active image's original. Pending and inactive images are never served from here."""
    scope = media_scope(uploads.settings, viewer)
    if scope is None:
        return _not_found()
    found = active_image_file(uploads.engine, uploads.storage, image_id, store_scope=scope)
    if found is None:
        return _not_found()
    return _file_response(request, uploads.storage, found, _cache(uploads.settings, REVALIDATE))


@router.get(f"{urls.MEDIA}/{{image_id}}/{urls.MEDIA_PREVIEW_NAME}", name="media_preview")
def media_preview(
    request: Request, image_id: PathId, uploads: UploadsDep, viewer: ViewerDep
) -> Response:
    """A JPEG of an active HEIC/HEIF original (only Safari shows those), for its pages until
    the renditions exist; other types are shown as they are, so it points to the original."""
    scope = media_scope(uploads.settings, viewer)
    found = (
        active_image_file(uploads.engine, uploads.storage, image_id, store_scope=scope)
        if scope is not None
        else None
    )
    if found is None:
        return _not_found()
    if not needs_conversion(found.mime_type):
        return _temporary_redirect(urls.media(image_id))
    etag = f'"{PurePosixPath(found.relative).stem}-preview"'
    headers = {
        "ETag": etag,
        "Cache-Control": _cache(uploads.settings, REVALIDATE),
        "X-Content-Type-Options": "nosniff",
    }
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    stem = found.download_name.rsplit(".", 1)[0]
    headers["Content-Disposition"] = f'inline; filename="{stem}.jpg"'
    with uploads.storage.local_copy(found.relative) as original:  # the bucket's: spooled
        preview = jpeg_preview(original)
    return Response(preview, media_type="image/jpeg", headers=headers)


@router.get("/media/{image_id}/{name}", name="media_rendition")
def media_rendition(
    request: Request, image_id: PathId, name: str, uploads: UploadsDep, viewer: ViewerDep
) -> Response:
    """One rendition of an active image; a missing one falls back to the original."""
    wanted = RENDITION_FILE.match(name)
    scope = media_scope(uploads.settings, viewer)
    if wanted is None or scope is None:
        return _not_found()
    preset, digest, fmt = wanted["preset"], wanted["digest"], FORMATS[wanted["extension"]]
    found = active_rendition_file(
        uploads.engine, uploads.storage, image_id, preset, fmt, store_scope=scope
    )
    if found is None:
        if active_image_file(uploads.engine, uploads.storage, image_id, store_scope=scope) is None:
            return _not_found()
        return _temporary_redirect(urls.media(image_id))
    if digest is None:
        return _file_response(request, uploads.storage, found, _cache(uploads.settings, REVALIDATE))
    if digest != found.digest:  # rebuilt since the page was made: point to the current file
        current = f"{preset}.{found.digest}.{wanted['extension']}"
        return _temporary_redirect(urls.media_file(image_id, current))
    return _file_response(request, uploads.storage, found, _cache(uploads.settings, IMMUTABLE))


def media_scope(settings: Settings, viewer: CurrentUser | None) -> int | AnyStore | None:
    """Whose images this viewer may fetch: public media, their own store's, or none (None)."""
    if settings.public_media:
        return ANY_STORE
    return viewer.store_id if viewer is not None else None


def _cache(settings: Settings, policy: str) -> str:
    """Members-only files must not sit in shared caches: "private" unless media is public."""
    return policy if settings.public_media else policy.replace("public", "private")


def _file_response(
    request: Request, storage: Storage, found: MediaFile, cache_control: str
) -> Response:
    headers = {
        "ETag": found.etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    }
    if _etag_matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    # Server-chosen name (slug and preset are [a-z0-9_-] only, so no escaping is needed).
    headers["Content-Disposition"] = f'inline; filename="{found.download_name}"'
    return stored_file_response(request, storage, found.relative, found.mime_type, headers)


def _etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison: ``W/"x"`` matches ``"x"``; ``*`` matches all."""
    if not header:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in candidates or etag in candidates


def _temporary_redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-cache"})


def _not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")
