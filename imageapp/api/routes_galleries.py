"""/api/v1/galleries: the gallery use cases of the two UIs, as JSON."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import RootModel
from starlette.requests import Request
from starlette.responses import Response

from imageapp.api.auth import ReaderDep, WriterDep
from imageapp.api.errors import ApiError, not_found
from imageapp.api.responses import json_with_etag
from imageapp.api.schemas import (
    GalleryDetailOut,
    GalleryIn,
    GalleryOrderIn,
    GalleryOut,
    GalleryPatch,
    gallery_detail_out,
    gallery_out,
)
from imageapp.fallback.deps import EngineDep, GalleriesDep, PathId
from imageapp.services.galleries import GalleryService
from imageapp.services.usecases import galleries as actions
from imageapp.services.usecases.library import list_galleries

router = APIRouter(prefix="/galleries", tags=["galleries"])
GALLERY_GONE = "There is no such gallery in your store."


def _detail(galleries: GalleryService, store_id: int, gallery_id: int) -> GalleryDetailOut:
    found = actions.gallery_order(galleries, store_id=store_id, gallery_id=gallery_id)
    if isinstance(found, actions.Gone):
        raise not_found(GALLERY_GONE)
    return gallery_detail_out(*found)


def _refused(outcome: actions.Refused) -> ApiError:
    if not outcome.errors:
        return ApiError(422, "invalid", outcome.message)
    return ApiError.of_fields(422, "invalid", outcome.errors)


@router.get("", response_model=list[GalleryOut], summary="The store's galleries, by title")
def gallery_list(
    request: Request, engine: EngineDep, galleries: GalleriesDep, user: ReaderDep
) -> Response:
    found = list_galleries(engine, galleries, store_id=user.user.store_id)
    body = RootModel[list[GalleryOut]]([gallery_out(gallery) for gallery in found.galleries])
    return json_with_etag(request, body)


@router.post("", status_code=201, response_model=GalleryDetailOut, summary="Create a gallery")
def create_gallery(fields: GalleryIn, galleries: GalleriesDep, user: WriterDep) -> GalleryDetailOut:
    store_id = user.user.store_id
    outcome = actions.create_gallery(galleries, store_id=store_id, raw_fields=fields.model_dump())
    if isinstance(outcome, actions.Refused):
        raise _refused(outcome)
    return _detail(galleries, store_id, outcome.gallery_id)


@router.get(
    "/{gallery_id}", response_model=GalleryDetailOut, summary="A gallery with its ordered image ids"
)
def get_gallery(
    request: Request, gallery_id: PathId, galleries: GalleriesDep, user: ReaderDep
) -> Response:
    return json_with_etag(request, _detail(galleries, user.user.store_id, gallery_id))


@router.patch("/{gallery_id}", response_model=GalleryDetailOut, summary="Edit a gallery")
def patch_gallery(
    gallery_id: PathId, patch: GalleryPatch, galleries: GalleriesDep, user: WriterDep
) -> GalleryDetailOut:
    store_id = user.user.store_id
    current = _detail(galleries, store_id, gallery_id)
    fields = {"title": current.title, "slug": current.slug, "description": current.description}
    fields |= {name: value or "" for name, value in patch.model_dump(exclude_unset=True).items()}
    outcome = actions.rename_gallery(
        galleries, store_id=store_id, gallery_id=gallery_id, raw_fields=fields
    )
    if isinstance(outcome, actions.Gone):
        raise not_found(GALLERY_GONE)
    if isinstance(outcome, actions.Refused):
        raise _refused(outcome)
    return _detail(galleries, store_id, gallery_id)


@router.delete(
    "/{gallery_id}", status_code=204, summary="Delete a gallery (its images stay in the library)"
)
def delete_gallery(gallery_id: PathId, galleries: GalleriesDep, user: WriterDep) -> Response:
    outcome = actions.delete_gallery(galleries, store_id=user.user.store_id, gallery_id=gallery_id)
    if isinstance(outcome, actions.Gone):
        raise not_found(GALLERY_GONE)
    return Response(status_code=204)


@router.put(
    "/{gallery_id}/images",
    response_model=GalleryDetailOut,
    summary="The gallery's whole order",
    description="Ids not in the gallery are ignored; images left out follow, in their order.",
)
def set_order(
    gallery_id: PathId, order: GalleryOrderIn, galleries: GalleriesDep, user: WriterDep
) -> GalleryDetailOut:
    store_id = user.user.store_id
    outcome = actions.reorder_gallery(
        galleries, store_id=store_id, gallery_id=gallery_id, image_ids=order.image_ids
    )
    if isinstance(outcome, actions.Gone):
        raise not_found(GALLERY_GONE)
    return _detail(galleries, store_id, gallery_id)
