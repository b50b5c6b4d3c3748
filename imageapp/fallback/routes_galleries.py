"""Galleries as plain HTML forms: list, create, edit, delete, and the order and cover of their
images. Thin: each form is one gallery use case (services/usecases/galleries.py), called in a
thread. Every route needs a login and sees only the user's store; another store's gallery is
a 404 (GalleryNotFound, answered in app.py)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import EngineDep, GalleriesDep, PathId, SettingsDep
from imageapp.fallback.forms import FormRefused, read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.routes_share_admin import share_context
from imageapp.fallback.session import flash, keep_form_state, pop_form_state
from imageapp.services.galleries import GalleryNotFound
from imageapp.services.ids import parse_id
from imageapp.services.usecases import galleries as actions
from imageapp.services.usecases.library import browse_gallery, list_galleries

router = APIRouter(prefix=urls.NOJS_GALLERIES)


def _shown(request: Request, outcome: actions.GalleryResult) -> bool:
    """Flash what a use case said; True if it did something. A gallery that is not the
    store's (any more) is a 404 page, as for a GET of it."""
    if isinstance(outcome, actions.Gone):
        raise GalleryNotFound()
    if outcome.message:
        flash(request, outcome.message, "success" if isinstance(outcome, actions.Done) else "error")
    return isinstance(outcome, actions.Done)


@router.get("")
def gallery_list(
    request: Request, engine: EngineDep, galleries: GalleriesDep, user: UserDep
) -> Response:
    found = list_galleries(engine, galleries, store_id=user.store_id)
    values, errors = pop_form_state(request)
    return render(
        request,
        "gallery_list.html",
        galleries=found.galleries,
        covers=found.covers,
        values=values,
        errors=errors,
    )


@router.post("")
async def create_gallery(request: Request, galleries: GalleriesDep, user: UserDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.create_gallery(galleries, store_id=user.store_id, raw_fields=form)
    )
    if isinstance(outcome, actions.Refused):
        keep_form_state(request, actions.gallery_values(form), outcome.errors)
        flash(request, outcome.message, "error")
        return redirect(f"{urls.NOJS_GALLERIES}#new-gallery")
    flash(request, outcome.message, "success")
    return redirect(urls.nojs_gallery(outcome.gallery_id))


@router.get("/{gallery_id}")
def gallery_page(
    request: Request,
    gallery_id: PathId,
    engine: EngineDep,
    settings: SettingsDep,
    galleries: GalleriesDep,
    user: UserDep,
) -> Response:
    found = browse_gallery(
        engine,
        galleries,
        store_id=user.store_id,
        gallery_id=gallery_id,
        page=parse_id(request.query_params.get("page")) or 1,
        page_size=settings.page_size,
    )
    if found is None:
        raise GalleryNotFound()
    values, errors = pop_form_state(request)
    return render(
        request,
        "gallery_detail.html",
        gallery=found.gallery,
        listing=found.listing,
        pictures=found.pictures,
        first_position=found.first_position,
        values=values,
        errors=errors,
        **share_context(
            request,
            engine,
            store_id=user.store_id,
            page=urls.nojs_gallery(gallery_id),
            gallery_id=gallery_id,
        ),
    )


@router.get("/{gallery_id}/edit")
def edit_form(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    gallery = galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    values, errors = pop_form_state(request)
    current = {"title": gallery.title, "slug": gallery.slug, "description": gallery.description}
    return render(
        request, "gallery_edit.html", gallery=gallery, values=values or current, errors=errors
    )


@router.post("/{gallery_id}/edit")
async def edit_submit(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.rename_gallery(
            galleries, store_id=user.store_id, gallery_id=gallery_id, raw_fields=form
        )
    )
    if isinstance(outcome, actions.Refused):
        keep_form_state(request, actions.gallery_values(form), outcome.errors)
        flash(request, outcome.message, "error")
        return redirect(urls.nojs_gallery_action(gallery_id, "edit"))
    _shown(request, outcome)
    return redirect(urls.nojs_gallery(gallery_id))


@router.get("/{gallery_id}/delete")
def delete_form(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    gallery = galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    stays = actions.what_stays(gallery.image_count)
    return render(request, "gallery_delete.html", gallery=gallery, what_stays=stays)


@router.post("/{gallery_id}/delete")
async def delete_submit(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.delete_gallery(galleries, store_id=user.store_id, gallery_id=gallery_id)
    )
    _shown(request, outcome)
    return redirect(urls.NOJS_GALLERIES)


async def _image_form(request: Request) -> tuple[dict[str, str], int]:
    """A per-image form of the gallery page: checked token, and which image it is about."""
    form = await read_small_form(request)
    require_csrf(request, form)
    image_id = parse_id(form.get("image_id"))
    if image_id is None:
        raise FormRefused(400, "No image chosen", "This form did not say which image to change.")
    return form, image_id


@router.post("/{gallery_id}/move")
async def move_image(
    request: Request,
    gallery_id: PathId,
    galleries: GalleriesDep,
    settings: SettingsDep,
    user: UserDep,
) -> Response:
    """Up, down and "to position N" all send the wanted position (1 = first)."""
    form, image_id = await _image_form(request)
    outcome = await run_in_threadpool(
        lambda: actions.move_to_position(
            galleries,
            store_id=user.store_id,
            gallery_id=gallery_id,
            image_id=image_id,
            position=form.get("position", ""),
        )
    )
    page = parse_id(form.get("page")) or 1
    if isinstance(outcome, actions.Refused) and outcome.errors:
        field = f"position_{image_id}"
        keep_form_state(
            request, {field: form.get("position", "")}, {field: outcome.errors["position"]}
        )
    elif _shown(request, outcome) and isinstance(outcome, actions.Done) and outcome.position:
        page = (outcome.position - 1) // settings.page_size + 1
    return redirect(urls.nojs_gallery(gallery_id, page=page, image_id=image_id))


@router.post("/{gallery_id}/featured")
async def feature_image(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form, image_id = await _image_form(request)
    outcome = await run_in_threadpool(
        lambda: actions.make_cover(
            galleries, store_id=user.store_id, gallery_id=gallery_id, image_id=image_id
        )
    )
    _shown(request, outcome)
    page = parse_id(form.get("page")) or 1
    return redirect(urls.nojs_gallery(gallery_id, page=page, image_id=image_id))


@router.post("/{gallery_id}/remove")
async def remove_image(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form, image_id = await _image_form(request)
    outcome = await run_in_threadpool(
        lambda: actions.take_out(
            galleries, store_id=user.store_id, gallery_id=gallery_id, image_id=image_id
        )
    )
    _shown(request, outcome)
    return redirect(urls.nojs_gallery(gallery_id, page=parse_id(form.get("page")) or 1))
