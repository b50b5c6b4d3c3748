"""Making and turning off share links without JavaScript: the form on a gallery's and an
image's page (DESIGN.md, Share links), through the share-link use cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.api.schemas import absolute
from imageapp.config import Settings
from imageapp.fallback.auth import UserDep, safe_next
from imageapp.fallback.deps import EngineDep, PathId, SettingsDep
from imageapp.fallback.forms import read_small_form, require_csrf
from imageapp.fallback.pages import error_page, redirect
from imageapp.fallback.session import flash, keep_form_state
from imageapp.services.share_links import ShareLinkService
from imageapp.services.usecases import share_links as actions

router = APIRouter()
NEW_SHARE_KEY = "new_share_link"  # {"page": the page it was made on, "url": the link}
ANCHOR = "#share-links"


def share_url(request: Request, settings: Settings, token: str) -> str:
    """The full address to send: on IMAGEAPP_PUBLIC_URL when set, else this request's."""
    path = urls.share(token)
    shown = absolute(settings, path)
    return shown if shown != path else str(request.base_url).rstrip("/") + path


def share_context(
    request: Request, engine: Any, *, store_id: int, page: str, **target: int
) -> dict[str, Any]:
    """What a gallery or image page needs for its share-links section."""
    kept = request.session.get(NEW_SHARE_KEY) or {}
    new_url = ""
    if kept.get("page") == page:
        new_url = str(kept.get("url", ""))
        request.session.pop(NEW_SHARE_KEY, None)
    action = (
        urls.nojs_gallery_share(target["gallery_id"])
        if "gallery_id" in target
        else urls.nojs_image_share(target["image_id"])
    )
    return {
        "share_links": ShareLinkService(engine).links_of(store_id=store_id, **target),
        "new_share_url": new_url,
        "describe_share_link": actions.describe,
        "share_action": action,
        "share_page": page,
    }


async def _create(
    request: Request, engine: Any, settings: Settings, user: Any, page: str, **target: int
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.create_share_link(
            ShareLinkService(engine),
            store_id=user.store_id,
            user_id=user.id,
            raw_fields=form,
            **target,
        )
    )
    if isinstance(outcome, actions.ShareGone):  # another store's, or deleted meanwhile
        return error_page(request, 404, "Not found", outcome.message)
    if isinstance(outcome, actions.ShareRefused):
        keep_form_state(request, {}, outcome.errors)
        flash(request, outcome.message, "error")
        return redirect(page + ANCHOR)
    request.session[NEW_SHARE_KEY] = {
        "page": page,
        "url": share_url(request, settings, outcome.link.token),
    }
    flash(request, outcome.message, "success")
    return redirect(page + ANCHOR)


@router.post("/nojs/galleries/{gallery_id}/share")
async def share_gallery(
    request: Request, gallery_id: PathId, engine: EngineDep, settings: SettingsDep, user: UserDep
) -> Response:
    page = urls.nojs_gallery(gallery_id)
    return await _create(request, engine, settings, user, page, gallery_id=gallery_id)


@router.post("/nojs/images/{image_id}/share")
async def share_image(
    request: Request, image_id: PathId, engine: EngineDep, settings: SettingsDep, user: UserDep
) -> Response:
    page = urls.nojs_image(image_id)
    return await _create(request, engine, settings, user, page, image_id=image_id)


@router.post("/nojs/share-links/{link_id}/revoke")
async def revoke_share_link(
    request: Request, link_id: PathId, engine: EngineDep, user: UserDep
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    message = await run_in_threadpool(
        lambda: actions.revoke_share_link(
            ShareLinkService(engine), store_id=user.store_id, link_id=link_id
        )
    )
    flash(request, message, "info")
    return redirect(safe_next(form.get("next")) + ANCHOR)
