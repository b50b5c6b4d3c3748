"""Browsing the library without JavaScript, and the media route that serves active images."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from imageapp.fallback.deps import EngineDep, SettingsDep, UploadsDep
from imageapp.fallback.pages import error_page, render
from imageapp.fallback.session import session_owner
from imageapp.services.library import get_active_image, list_active_images
from imageapp.services.media import active_image_file

router = APIRouter()


@router.get("/nojs/images", name="image_list")
def image_list(
    request: Request, engine: EngineDep, settings: SettingsDep, page: int = 1
) -> Response:
    session_owner(request)
    with Session(engine) as session:
        listing = list_active_images(session, page=page, page_size=settings.page_size)
    return render(request, "image_list.html", listing=listing)


@router.get("/nojs/images/{image_id}", name="image_detail")
def image_detail(request: Request, engine: EngineDep, image_id: int) -> Response:
    session_owner(request)
    with Session(engine) as session:
        image = get_active_image(session, image_id)
    if image is None:
        return error_page(request, 404, "Image not found", "There is no image at this address.")
    return render(request, "image_detail.html", image=image)


@router.get("/media/{image_id}", name="media")
def media(image_id: int, uploads: UploadsDep) -> Response:
    """An active image's file. Pending and inactive images are never served from here."""
    found = active_image_file(uploads.engine, uploads.storage, image_id)
    if found is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    return FileResponse(
        found.path,
        media_type=found.mime_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=3600",
            "Content-Disposition": f'inline; filename="{found.download_name}"',
        },
    )
