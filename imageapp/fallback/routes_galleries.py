"""Galleries as plain HTML forms: list, create, edit, delete, and the order and cover of their
images. Every route needs a login and sees only the user's store; another store's gallery is
a 404 (GalleryNotFound, answered in app.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import EngineDep, GalleriesDep, PathId, SettingsDep
from imageapp.fallback.forms import FormRefused, read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash, keep_form_state, pop_form_state
from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.galleries import GalleryNotFound
from imageapp.services.ids import parse_id
from imageapp.services.library import LibraryFilter, list_images
from imageapp.services.thumbnails import list_pictures

router = APIRouter(prefix=urls.NOJS_GALLERIES)


def _gallery_values(form: dict[str, str]) -> dict[str, str]:
    return {field: form.get(field, "") for field in ("title", "slug", "description")}


@router.get("")
def gallery_list(
    request: Request, engine: EngineDep, galleries: GalleriesDep, user: UserDep
) -> Response:
    found = galleries.summaries(store_id=user.store_id)
    covers = list_pictures(
        engine,
        store_id=user.store_id,
        image_ids=[g.cover_image_id for g in found if g.cover_image_id is not None],
    )
    values, errors = pop_form_state(request)
    return render(
        request, "gallery_list.html", galleries=found, covers=covers, values=values, errors=errors
    )


@router.post("")
async def create_gallery(request: Request, galleries: GalleriesDep, user: UserDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    values = _gallery_values(form)
    try:
        gallery_id = await run_in_threadpool(
            lambda: galleries.create(store_id=user.store_id, **values)
        )
    except FormInvalid as invalid:
        keep_form_state(request, values, invalid.errors)
        flash(request, invalid.message, "error")
        return redirect(f"{urls.NOJS_GALLERIES}#new-gallery")
    title = " ".join(values["title"].split())
    flash(request, f"Gallery '{title}' created. Add images to it from the library.", "success")
    return redirect(urls.nojs_gallery(gallery_id))


@router.get("/{gallery_id}")
def gallery_page(
    request: Request,
    gallery_id: PathId,
    engine: EngineDep,
    settings: SettingsDep,
    galleries: GalleriesDep,
    user: UserDep,
) -> Response:
    gallery = galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    with Session(engine) as session:
        listing = list_images(
            session,
            store_id=user.store_id,
            filters=LibraryFilter(status="all", gallery_id=gallery_id),
            page=parse_id(request.query_params.get("page")) or 1,
            page_size=settings.page_size,
        )
    pictures = list_pictures(
        engine, store_id=user.store_id, image_ids=[image.id for image in listing.items]
    )
    values, errors = pop_form_state(request)
    return render(
        request,
        "gallery_detail.html",
        gallery=gallery,
        listing=listing,
        pictures=pictures,
        first_position=(listing.page - 1) * listing.page_size + 1,
        values=values,
        errors=errors,
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
    values = _gallery_values(form)
    try:
        await run_in_threadpool(
            lambda: galleries.update(store_id=user.store_id, gallery_id=gallery_id, **values)
        )
    except FormInvalid as invalid:
        keep_form_state(request, values, invalid.errors)
        flash(request, invalid.message, "error")
        return redirect(urls.nojs_gallery_action(gallery_id, "edit"))
    flash(request, "Gallery saved.", "success")
    return redirect(urls.nojs_gallery(gallery_id))


@router.get("/{gallery_id}/delete")
def delete_form(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    gallery = galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    return render(request, "gallery_delete.html", gallery=gallery)


@router.post("/{gallery_id}/delete")
async def delete_submit(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    gallery = await run_in_threadpool(
        lambda: galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    )
    await run_in_threadpool(lambda: galleries.delete(store_id=user.store_id, gallery_id=gallery_id))
    held = gallery.image_count
    kept = f" {'Its image is' if held == 1 else f'Its {held} images are'} still in your library."
    flash(request, f"Gallery '{gallery.title}' deleted.{kept if held else ''}", "success")
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
    """Up, down and "to position N" all send the wanted position (1 = first). It is absolute on
    purpose: a form sent twice leaves the image where it was asked to go, not two places on."""
    form, image_id = await _image_form(request)
    gallery = await run_in_threadpool(
        lambda: galleries.get(store_id=user.store_id, gallery_id=gallery_id)
    )
    position = parse_id(form.get("position"))
    if position is None:
        field = f"position_{image_id}"
        keep_form_state(
            request,
            {field: form.get("position", "")},
            {field: "Enter a position: a whole number from 1."},
        )
        page = parse_id(form.get("page")) or 1
        return redirect(urls.nojs_gallery(gallery_id, page=page, image_id=image_id))
    position = min(position, max(gallery.image_count, 1))
    moved = await _attempt(
        request,
        lambda: galleries.move(
            store_id=user.store_id, gallery_id=gallery_id, image_id=image_id, position=position
        ),
    )
    if moved:
        flash(request, f"Image moved to position {position}.", "success")
    page = (position - 1) // settings.page_size + 1
    return redirect(urls.nojs_gallery(gallery_id, page=page, image_id=image_id))


@router.post("/{gallery_id}/featured")
async def feature_image(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form, image_id = await _image_form(request)
    featured = await _attempt(
        request,
        lambda: galleries.set_featured(
            store_id=user.store_id, gallery_id=gallery_id, image_id=image_id
        ),
    )
    if featured:
        flash(request, "This image is now the gallery's cover.", "success")
    page = parse_id(form.get("page")) or 1
    return redirect(urls.nojs_gallery(gallery_id, page=page, image_id=image_id))


@router.post("/{gallery_id}/remove")
async def remove_image(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: UserDep
) -> Response:
    form, image_id = await _image_form(request)
    removed = await run_in_threadpool(
        lambda: galleries.remove_images(
            store_id=user.store_id, gallery_id=gallery_id, image_ids=[image_id]
        )
    )
    if removed:
        flash(request, "Image removed from the gallery; it is still in your library.", "success")
    else:
        flash(request, "That image was not in this gallery.", "error")
    return redirect(urls.nojs_gallery(gallery_id, page=parse_id(form.get("page")) or 1))


async def _attempt(request: Request, change: Callable[[], None]) -> bool:
    """Run one service call; a refusal (say, the image left the gallery meanwhile) becomes an
    error message. An unknown gallery still raises: that is a 404."""
    try:
        await run_in_threadpool(change)
    except GalleryNotFound:
        raise
    except ImageAppError as refused:
        flash(request, refused.message, "error")
        return False
    return True
