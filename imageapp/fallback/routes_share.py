"""Share links' public side (DESIGN.md, Share links): the page at /s/<token> (no login, no
JavaScript), its password form, and the files of that link's images only. Nothing else is
reachable through a link: every file route asks the link which images it shows right now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.deps import EngineDep, PathId, UploadsDep
from imageapp.fallback.forms import read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.routes_library import FORMATS, RENDITION_FILE, _file_response
from imageapp.fallback.session import flash
from imageapp.models import utcnow
from imageapp.services.errors import ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.media import active_image_file, active_rendition_file
from imageapp.services.pictures import Picture, PictureSource, picture_for
from imageapp.services.renditions import renditions_of
from imageapp.services.share_links import LinkGone, ShareLinkInfo, ShareLinkService

router = APIRouter(prefix=urls.SHARE)
ShareToken = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
UNLOCKED_KEY = "share_links_unlocked"  # link ids whose password this browser gave
PAGE_PRESET = "web"
SHARE_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
MAX_AGE = 3600


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _headers(response: Response, cache_control: str) -> Response:
    response.headers.update(SHARE_HEADERS)
    response.headers["Cache-Control"] = cache_control
    return response


def _cache(link: ShareLinkInfo, now: datetime) -> str:
    """Public, but never past the link's expiry; a password-protected link's files only in
    the visitor's own cache."""
    seconds = MAX_AGE
    if link.expires_at is not None:
        seconds = max(0, min(seconds, int((link.expires_at - now).total_seconds())))
    scope = "private" if link.has_password else "public"
    return f"{scope}, max-age={seconds}"


def _not_found(request: Request) -> Response:
    page = render(
        request,
        "share_gone.html",
        404,
        title="Link not found",
        message="There is no shared gallery or image at this address.",
    )
    return _headers(page, "no-store")


def _gone(request: Request, gone: LinkGone) -> Response:
    title = "This link has expired" if gone.expired else "This link was turned off"
    page = render(request, "share_gone.html", 410, title=title, message=gone.message)
    return _headers(page, "no-store")


def _open(links: ShareLinkService, token: str) -> tuple[ShareLinkInfo, int] | LinkGone | None:
    try:
        return links.open(token)
    except LinkGone as gone:
        return gone


def _unlocked(request: Request, link: ShareLinkInfo) -> bool:
    return not link.has_password or link.id in request.session.get(UNLOCKED_KEY, [])


def shared_picture(token: str, picture: Picture, image_id: int) -> Picture | None:
    """The picture with its URLs through the link; None without renditions (the original is
    not served through a link unless downloads are allowed, and then only as a download)."""
    if not picture.sources:
        return None
    members = f"{urls.MEDIA}/{image_id}/"
    through = f"{urls.SHARE}/{token}/media/{image_id}/"
    return Picture(
        src=picture.src.replace(members, through, 1),
        width=picture.width,
        height=picture.height,
        sources=tuple(
            PictureSource(mime_type=s.mime_type, srcset=s.srcset.replace(members, through))
            for s in picture.sources
        ),
    )


@router.get("/{token}", name="share_page")
def share_page(request: Request, token: ShareToken, engine: EngineDep) -> Response:
    links = ShareLinkService(engine)
    opened = _open(links, token)
    if opened is None:
        return _not_found(request)
    if isinstance(opened, LinkGone):
        return _gone(request, opened)
    link, store_id = opened
    if not _unlocked(request, link):
        return _headers(render(request, "share_password.html", token=token), "no-store")
    images = links.shared_images(link, store_id)
    found = renditions_of(engine, [image.id for image in images])
    pictures = {
        image.id: shared_picture(
            token,
            picture_for(
                image_id=image.id,
                width=image.width,
                height=image.height,
                renditions=found.get(image.id, ()),
                preset=PAGE_PRESET,
            ),
            image.id,
        )
        for image in images
    }
    title, description = "A shared image", ""
    if link.gallery_id is not None:
        gallery = GalleryService(engine).get(store_id=store_id, gallery_id=link.gallery_id)
        title, description = gallery.title, gallery.description
    elif images:
        title = images[0].title
    page = render(
        request,
        "share.html",
        token=token,
        link=link,
        images=images,
        pictures=pictures,
        title=title,
        description=description,
    )
    # Revalidated every time: an image made inactive leaves the page at once.
    return _headers(page, "no-store" if link.has_password else "private, no-cache")


@router.post("/{token}")
async def share_password(request: Request, token: ShareToken, engine: EngineDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    links = ShareLinkService(engine)
    opened = await run_in_threadpool(_open, links, token)
    if opened is None:
        return _not_found(request)
    if isinstance(opened, LinkGone):
        return _gone(request, opened)
    link, _ = opened
    try:
        right = await run_in_threadpool(
            lambda: links.check_password(
                link_id=link.id, password=form.get("password", ""), address=_address(request)
            )
        )
    except ImageAppError as throttled:
        flash(request, throttled.message, "error")
        return redirect(urls.share(token))
    if right:
        unlocked = [i for i in request.session.get(UNLOCKED_KEY, []) if isinstance(i, int)]
        request.session[UNLOCKED_KEY] = [*unlocked[-19:], link.id]
    else:
        flash(request, "That is not the password of this link.", "error")
    return redirect(urls.share(token))


def _shown(
    request: Request, links: ShareLinkService, token: str, image_id: int
) -> tuple[ShareLinkInfo, int] | None:
    """(link, store) if the link is live, unlocked and shows ``image_id`` now; else None."""
    opened = _open(links, token)
    if opened is None or isinstance(opened, LinkGone):
        return None
    link, store_id = opened
    if not _unlocked(request, link) or not links.shows_image(link, store_id, image_id):
        return None
    return link, store_id


def _file_not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain", headers=SHARE_HEADERS)


@router.get("/{token}/media/{image_id}/{name}", name="share_media")
def share_media(
    request: Request, token: ShareToken, image_id: PathId, name: str, uploads: UploadsDep
) -> Response:
    """A rendition of one of the link's images (never the original, never another image)."""
    wanted = RENDITION_FILE.match(name)
    shown = _shown(request, ShareLinkService(uploads.engine), token, image_id) if wanted else None
    if wanted is None or shown is None:
        return _file_not_found()
    link, store_id = shown
    found = active_rendition_file(
        uploads.engine,
        uploads.storage,
        image_id,
        wanted["preset"],
        FORMATS[wanted["extension"]],
        store_scope=store_id,
    )
    if found is None:
        return _file_not_found()
    return _headers(
        _file_response(request, uploads.storage, found, _cache(link, utcnow())),
        _cache(link, utcnow()),
    )


@router.get("/{token}/download/{image_id}", name="share_download")
def share_download(
    request: Request, token: ShareToken, image_id: PathId, uploads: UploadsDep
) -> Response:
    """The original, only when the link allows downloads."""
    shown = _shown(request, ShareLinkService(uploads.engine), token, image_id)
    if shown is None or not shown[0].allow_download:
        return _file_not_found()
    link, store_id = shown
    found = active_image_file(uploads.engine, uploads.storage, image_id, store_scope=store_id)
    if found is None:
        return _file_not_found()
    response = _file_response(request, uploads.storage, found, _cache(link, utcnow()))
    if response.status_code == 200:
        response.headers["Content-Disposition"] = f'attachment; filename="{found.download_name}"'
    return _headers(response, _cache(link, utcnow()))
