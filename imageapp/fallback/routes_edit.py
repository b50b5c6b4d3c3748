"""Editing an image without JavaScript (DESIGN.md, Editing and trash): the edit form on the
image's page posts to ``/nojs/images/{id}/edit``; a click on the focal picker (an
``<input type="image" name="focal">``) arrives as ``focal.x``/``focal.y`` in displayed pixels."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import EngineDep, PathId, SettingsDep
from imageapp.fallback.forms import read_small_form, require_csrf
from imageapp.fallback.image_page import render_image_page
from imageapp.fallback.pages import error_page, redirect
from imageapp.fallback.session import flash
from imageapp.services.usecases import edits as actions

router = APIRouter()
ANCHOR = "#edit"
KEPT_FIELDS = (*actions.CROP_FIELDS, *actions.FOCAL_FIELDS, "ratio")


@router.post("/nojs/images/{image_id}/edit", name="image_edit")
async def image_edit(
    request: Request, image_id: PathId, engine: EngineDep, settings: SettingsDep, user: UserDep
) -> Response:
    """303 back to the page with what was done; 422 with the page and the refused values
    next to their messages; 404 for another store's, trashed or unknown image."""
    form = await read_small_form(request)
    require_csrf(request, form)
    if "focal.x" in form:  # the picker is a submit button of its own: its click means "focal"
        form["action"] = "focal"
    outcome = await run_in_threadpool(
        lambda: actions.edit_image(
            engine,
            settings,
            store_id=user.store_id,
            image_id=image_id,
            action=form.get("action", ""),
            fields=form,
        )
    )
    if isinstance(outcome, actions.EditGone):
        return error_page(request, 404, "Image not found", outcome.message)
    if isinstance(outcome, actions.EditClashed):  # a Save from a stale page: nothing saved
        flash(request, outcome.message, "error")
        return redirect(urls.nojs_image(image_id) + ANCHOR)
    if isinstance(outcome, actions.EditRefused):
        kept = {name: form[name] for name in KEPT_FIELDS if name in form}
        return await run_in_threadpool(
            lambda: render_image_page(
                request,
                engine,
                user,
                image_id,
                edit_values=kept,
                edit_errors=outcome.errors,
                status_code=422,
            )
        )
    flash(request, outcome.message, "success")
    return redirect(urls.nojs_image(image_id) + ANCHOR)
