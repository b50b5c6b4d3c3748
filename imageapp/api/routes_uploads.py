"""/api/v1/uploads: the two-step upload for scripts. Step 1 streams through the very code
of the no-JS step 1 (same limits, refusals and messages), step 2 is the same use case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from imageapp.api.auth import WriterDep
from imageapp.api.errors import ApiError, ErrorItem, error_response, not_found
from imageapp.api.routes_images import _image
from imageapp.api.schemas import DuplicateOut, ImageOut, UploadMetadataIn, UploadOut, absolute
from imageapp.fallback.deps import EngineDep, SettingsDep, UploadsDep
from imageapp.fallback.routes_upload import (
    ENVELOPE_BYTES,
    REFUSAL_STATUS,
    pending_preview,
    receive_upload,
)
from imageapp.services.errors import UploadRejected
from imageapp.services.usecases.uploads import Gone, Refused, complete_upload, discard_upload

router = APIRouter(prefix="/uploads", tags=["uploads"])
UploadToken = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
UPLOAD_GONE = "There is no such pending upload (expired, cancelled or finished)."
STEP_ONE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image_file"],
                    "properties": {"image_file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def preview_path(token: str) -> str:
    return f"/api/v1/uploads/{token}/preview"


@router.post(
    "",
    status_code=201,
    response_model=UploadOut,
    summary="Step 1: send the file",
    description="Multipart `image_file`, checked exactly as the upload page checks it.",
    openapi_extra=STEP_ONE_BODY,
)
async def upload_file(
    request: Request, uploads: UploadsDep, settings: SettingsDep, user: WriterDep
) -> Response:
    limit = settings.max_upload_bytes + ENVELOPE_BYTES
    try:
        pending = await receive_upload(request, uploads, user.user, limit, csrf=False)
    except UploadRejected as refusal:
        item = ErrorItem(field="image_file", code=refusal.code, message=refusal.message)
        return error_response(REFUSAL_STATUS.get(refusal.code, 422), [item])
    except ClientDisconnect:
        return Response(status_code=400)
    answer = UploadOut(
        upload_token=pending.upload_token,
        image_id=pending.image_id,
        preview_url=absolute(settings, preview_path(pending.upload_token)),
        duplicates=[
            DuplicateOut(
                id=image.id, title=image.title, url=absolute(settings, f"/api/v1/images/{image.id}")
            )
            for image in pending.duplicates
        ],
    )
    return Response(answer.model_dump_json(), status_code=201, media_type="application/json")


@router.get(
    "/{token}/preview",
    summary="The pending file",
    response_class=Response,
    responses={
        200: {"content": {"image/*": {}}, "description": "The file, as a browser shows it."}
    },
)
def preview(request: Request, token: UploadToken, uploads: UploadsDep, user: WriterDep) -> Response:
    found = pending_preview(request, uploads, owner=user.user.upload_owner, token=token)
    if found is None:
        raise not_found(UPLOAD_GONE)
    return found


@router.post("/{token}", status_code=201, response_model=ImageOut, summary="Step 2: the metadata")
async def complete(
    token: UploadToken,
    metadata: UploadMetadataIn,
    uploads: UploadsDep,
    engine: EngineDep,
    settings: SettingsDep,
    user: WriterDep,
) -> ImageOut:
    """Refused metadata (422) leaves the upload pending, its values kept as a draft."""
    fields = metadata.model_dump() | {"tags": ", ".join(metadata.tags)}
    outcome = await run_in_threadpool(
        lambda: complete_upload(
            uploads,
            owner=user.user.upload_owner,
            token=token,
            raw_fields=fields,
            gallery_id=metadata.gallery_id,
        )
    )
    if isinstance(outcome, Gone):
        raise not_found(UPLOAD_GONE)
    if isinstance(outcome, Refused):
        raise ApiError.of_fields(422, "invalid", outcome.errors)
    return await run_in_threadpool(
        lambda: _image(engine, settings, user.user.store_id, outcome.image_id)
    )


@router.delete("/{token}", status_code=204, summary="Cancel a pending upload")
async def cancel(token: UploadToken, uploads: UploadsDep, user: WriterDep) -> Response:
    discarded = await run_in_threadpool(
        lambda: discard_upload(uploads, owner=user.user.upload_owner, token=token)
    )
    if not discarded:
        raise not_found(UPLOAD_GONE)
    return Response(status_code=204)
