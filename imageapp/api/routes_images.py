"""/api/v1/images: the library as JSON, through the library's use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp.api.auth import ReaderDep, WriterDep
from imageapp.api.edits import EditIn, api_errors
from imageapp.api.errors import ApiError, not_found
from imageapp.api.responses import json_with_etag
from imageapp.api.schemas import (
    ImageOut,
    ImagePageOut,
    ImagePatch,
    ImageQuery,
    image_out,
    image_page_out,
)
from imageapp.config import Settings
from imageapp.fallback.deps import BulkDep, EngineDep, GalleriesDep, PathId, SettingsDep
from imageapp.jobs.tasks import get_jobs
from imageapp.services.edits import (
    ORIGINAL,
    EditInvalid,
    change_edit,
    edit_errors,
    edits_of,
    read_edit,
)
from imageapp.services.usecases import bulk as bulk_actions
from imageapp.services.usecases.library import (
    ImageEditRefused,
    browse_library,
    edit_image,
    find_image,
    image_renditions,
    with_tags,
)

router = APIRouter(prefix="/images", tags=["images"])
IMAGE_GONE = "There is no such image in your library."


def _image(engine: Engine, settings: Settings, store_id: int, image_id: int) -> ImageOut:
    image = find_image(engine, store_id=store_id, image_id=image_id)
    if image is None:
        raise not_found(IMAGE_GONE)
    renditions = image_renditions(engine, [image]).get(image.id, ())
    return image_out(
        settings, image, renditions, edits_of(engine, [image.id]).get(image.id, ORIGINAL)
    )


@router.get("", response_model=ImagePageOut, summary="A page of the library")
def list_images(
    request: Request,
    query: Annotated[ImageQuery, Query()],
    engine: EngineDep,
    settings: SettingsDep,
    galleries: GalleriesDep,
    user: ReaderDep,
) -> Response:
    """Filtered and sorted as the library is; past the last page: the last page."""
    wanted = query.library_query()
    found = browse_library(
        engine,
        galleries,
        store_id=user.user.store_id,
        query=wanted,
        page_size=query.page_size or settings.page_size,
    )
    if wanted.gallery_id is not None and found.query.gallery_id is None:
        raise not_found("There is no such gallery in your store.", field="gallery")
    listing = with_tags(engine, found.listing)
    ids = [item.id for item in listing.items]
    page = image_page_out(
        settings, listing, image_renditions(engine, listing.items), edits_of(engine, ids)
    )
    return json_with_etag(request, page)


@router.get("/{image_id}", response_model=ImageOut, summary="One image, with its renditions")
def get_image(
    request: Request, image_id: PathId, engine: EngineDep, settings: SettingsDep, user: ReaderDep
) -> Response:
    return json_with_etag(request, _image(engine, settings, user.user.store_id, image_id))


@router.patch(
    "/{image_id}",
    response_model=ImageOut,
    summary="Edit an image's metadata, status or picture (rotate, crop, focal point)",
)
def patch_image(
    image_id: PathId,
    patch: ImagePatch,
    engine: EngineDep,
    settings: SettingsDep,
    bulk: BulkDep,
    galleries: GalleriesDep,
    user: WriterDep,
) -> ImageOut:
    store_id = user.user.store_id
    current = find_image(engine, store_id=store_id, image_id=image_id)
    if current is None:
        raise not_found(IMAGE_GONE)
    _check_edit(engine, store_id, image_id, patch.edit)
    sent = patch.model_dump(exclude_unset=True, exclude={"status", "edit"})
    if sent:
        fields = {
            "title": current.title,
            "alt_text": current.alt_text,
            "description": current.description,
            "slug": current.slug,
            "tags": ", ".join(current.tags),
        } | {
            name: ", ".join(value or []) if name == "tags" else value
            for name, value in sent.items()
        }
        edited = edit_image(engine, store_id=store_id, image_id=image_id, raw_fields=fields)
        if edited is None:
            raise not_found(IMAGE_GONE)
        if isinstance(edited, ImageEditRefused):
            raise ApiError.of_fields(422, "invalid", edited.errors)
    if patch.edit is not None:
        sent_edit = patch.edit
        try:  # merged with the edit the image has when saved: a concurrent save is kept
            saved = change_edit(
                engine,
                get_jobs(settings),
                store_id=store_id,
                image_id=image_id,
                change=sent_edit.merged,
            )
        except EditInvalid as invalid:  # checked above; only a concurrent edit gets here
            raise ApiError.of_fields(422, "invalid", api_errors(invalid.errors)) from None
        if saved is None:
            raise not_found(IMAGE_GONE)
    if patch.status is not None:
        outcome = bulk_actions.run_bulk_action(
            bulk, galleries, store_id=store_id, action=f"set_{patch.status}", raw_ids=[image_id]
        )
        if not outcome.ok or image_id in outcome.gone:
            raise not_found(IMAGE_GONE)
    return _image(engine, settings, store_id, image_id)


def _check_edit(engine: Engine, store_id: int, image_id: int, sent: EditIn | None) -> None:
    """Refuse (422) an edit that does not fit, before anything is saved, so a refused edit
    leaves the metadata unchanged too (the save merges ``sent`` again, atomically)."""
    if sent is None:
        return
    current = read_edit(engine, store_id=store_id, image_id=image_id)
    if current is None:
        raise not_found(IMAGE_GONE)
    edit = sent.merged(current.edit)
    errors = edit_errors(edit, current.original_width, current.original_height)
    if errors:
        raise ApiError.of_fields(422, "invalid", api_errors(errors))


@router.delete(
    "/{image_id}",
    status_code=204,
    summary="Delete an image",
    description="Moves the image to the trash, exactly as the two UIs' delete does: gone from "
    "every listing, link and media URL at once; `POST /trash/restore` puts it back until the "
    "trash is emptied (IMAGEAPP_TRASH_DAYS).",
)
async def delete_image(image_id: PathId, bulk: BulkDep, user: WriterDep) -> Response:
    outcome = await run_in_threadpool(
        lambda: bulk_actions.delete_images(
            bulk, store_id=user.user.store_id, raw_ids=[image_id], user_id=user.user.id
        )
    )
    if not outcome.done:
        raise not_found(IMAGE_GONE)
    return Response(status_code=204)
