"""The two-step upload as plain HTML forms (DESIGN.md, Fallback URLs): parse, call, redirect."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import GalleriesDep, SettingsDep, UploadsDep
from imageapp.fallback.forms import CSRF_MESSAGE, read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render, wants_json
from imageapp.fallback.session import (
    UPLOAD_TOKEN_KEY,
    csrf_valid,
    flash,
    keep_form_state,
    pop_form_state,
)
from imageapp.fallback.stored_files import stored_file_response
from imageapp.fallback.streaming_form import (
    MalformedForm,
    StreamingUploadForm,
    multipart_boundary,
)
from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import UploadNotFound, UploadRejected
from imageapp.services.incoming import IncomingUpload
from imageapp.services.previews import jpeg_preview, needs_conversion
from imageapp.services.uploads import PendingUpload, UploadService
from imageapp.services.usecases.uploads import (
    Gone,
    Refused,
    complete_upload,
    discard_upload,
    gallery_choice,
)
from imageapp.services.validation import too_large
from imageapp.services.wording import metadata_removal_line

router = APIRouter(prefix=urls.NOJS_UPLOAD)

# Room for the multipart envelope and the csrf field around the file itself.
ENVELOPE_BYTES = 64 * 1024
# A refused body is still read (and thrown away) up to this many times the limit, so the
# browser receives our redirect instead of a connection reset; past it, we stop reading.
DRAIN_FACTOR = 4
# The body is handed to a thread in batches of about this size (one hop each).
FEED_BATCH_BYTES = 1024 * 1024
REFUSAL_STATUS = {
    "too_large": 413,
    "not_an_image": 415,
    "unsupported_type": 415,
    "csrf": 403,
    "quota_images": 403,
    "quota_bytes": 413,
    "no_file": 400,
    "malformed": 400,
}


@router.get("", name="upload_step_one")
def upload_form(request: Request, user: UserDep) -> Response:
    return render(request, "upload_step1.html")


@router.post("")
async def upload_step_one(
    request: Request, uploads: UploadsDep, settings: SettingsDep, user: UserDep
) -> Response:
    limit = settings.max_upload_bytes + ENVELOPE_BYTES
    try:
        pending = await receive_upload(request, uploads, user, limit)
    except UploadRejected as refusal:
        return _refused(request, refusal)
    except ClientDisconnect:
        return Response(status_code=400)
    request.session[UPLOAD_TOKEN_KEY] = pending.upload_token
    if wants_json(request):
        return JSONResponse(
            {
                "upload_token": pending.upload_token,
                "image_id": pending.image_id,
                "preview_url": urls.pending_preview(pending.upload_token),
                "duplicates": [
                    {"id": image.id, "title": image.title, "url": urls.nojs_image(image.id)}
                    for image in pending.duplicates
                ],
            },
            status_code=201,
        )
    return redirect(urls.NOJS_UPLOAD_METADATA)


async def receive_upload(
    request: Request, uploads: UploadService, user: CurrentUser, limit: int, *, csrf: bool = True
) -> PendingUpload:
    """Stream the body into the upload service; refusals drain the body and raise. ``csrf``:
    a browser's form (session-checked token); the API's bearer requests have none."""
    boundary = multipart_boundary(request.headers.get("content-type"))
    if boundary is None:
        await _drain(request, limit * DRAIN_FACTOR)
        raise _no_file()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await _drain(request, limit * DRAIN_FACTOR)
        raise too_large(uploads.settings.max_upload_bytes)
    header_token = request.headers.get("x-csrf-token")

    def open_file(
        filename: str, content_type: str | None, fields: dict[str, str]
    ) -> IncomingUpload[PendingUpload]:
        if csrf and not csrf_valid(request, header_token or fields.get("csrf_token")):
            raise _csrf_refusal()
        if not filename:
            raise _no_file()  # browsers send an empty, nameless part when nothing was chosen
        return uploads.receive(
            filename=filename,
            client_mime_type=content_type,
            owner=user.upload_owner,
            store_id=user.store_id,
            uploaded_by=user.id,
        )

    form = StreamingUploadForm(boundary=boundary, file_field="image_file", open_file=open_file)
    received = 0
    batch = bytearray()
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                await _abort(form)
                await _drain(request, limit * DRAIN_FACTOR - received)
                raise too_large(uploads.settings.max_upload_bytes)
            batch += chunk
            if len(batch) >= FEED_BATCH_BYTES:
                await _feed(form, batch)
        await _feed(form, batch)
        await run_in_threadpool(form.finish)
    except MalformedForm:
        await _abort(form)
        raise UploadRejected("malformed", "The upload was incomplete. Please try again.") from None
    except BaseException:
        await _abort(form)
        raise
    return await _finish(request, form, header_token if csrf else None, csrf=csrf)


async def _feed(form: StreamingUploadForm, batch: bytearray) -> None:
    """Off the event loop: feeding parses, hashes and writes the file and keeps its write
    intent (database). One thread hop per batch, not per chunk (64 KB or less)."""
    data = bytes(batch)
    batch.clear()
    if data:
        await run_in_threadpool(form.feed, data)


async def _abort(form: StreamingUploadForm) -> None:
    """Drop the partial file off the event loop, even while the request is being cancelled."""
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(form.abort)


async def _finish(
    request: Request, form: StreamingUploadForm, header_token: str | None, *, csrf: bool = True
) -> PendingUpload:
    if form.error is not None:
        raise form.error
    if csrf and not csrf_valid(request, header_token or form.fields.get("csrf_token")):
        await _abort(form)
        raise _csrf_refusal()
    incoming = form.sink
    if not isinstance(incoming, IncomingUpload):
        raise _no_file()
    return await run_in_threadpool(incoming.finish)


async def _drain(request: Request, budget: int) -> None:
    """Read and discard the rest of the body (up to ``budget`` bytes) so the reply is seen."""
    if budget <= 0:
        return
    try:
        async for chunk in request.stream():
            budget -= len(chunk)
            if budget <= 0:
                return
    except ClientDisconnect:
        return


def _no_file() -> UploadRejected:
    return UploadRejected("no_file", "Choose an image file to upload.")


def _csrf_refusal() -> UploadRejected:
    return UploadRejected("csrf", CSRF_MESSAGE)


def _refused(request: Request, refusal: UploadRejected) -> Response:
    status = REFUSAL_STATUS.get(refusal.code, 422)
    if wants_json(request):
        errors = [{"field": "image_file", "code": refusal.code, "message": refusal.message}]
        return JSONResponse({"errors": errors}, status_code=status)
    if refusal.code == "csrf":
        return render(request, "error.html", 403, title="Form expired", message=refusal.message)
    flash(request, refusal.message, "error")
    return redirect(urls.NOJS_UPLOAD)


@router.get("/metadata", name="upload_step_two")
def metadata_form(
    request: Request, uploads: UploadsDep, galleries: GalleriesDep, user: UserDep
) -> Response:
    owner = user.upload_owner
    token = request.session.get(UPLOAD_TOKEN_KEY)
    try:
        pending, values = uploads.pending_with_draft(token=token, owner=owner)
    except UploadNotFound as missing:
        return _expired(request, missing.message)
    kept, errors = pop_form_state(request)  # the gallery choice is kept here, not in the draft
    return render(
        request,
        "upload_step2.html",
        pending=pending,
        privacy_line=metadata_removal_line(pending.found_metadata),
        values=values | {"gallery_id": kept.get("gallery_id", "")},
        errors=errors,
        galleries=galleries.summaries(store_id=user.store_id),
    )


@router.post("/metadata")
async def metadata_submit(request: Request, uploads: UploadsDep, user: UserDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    owner = user.upload_owner
    session_token = request.session.get(UPLOAD_TOKEN_KEY)
    form_token = form.get("upload_token") or None
    if session_token and form_token != session_token:
        return render(
            request,
            "error.html",
            409,
            title="This form is for another upload",
            message="This browser has moved on to a different upload since this form was "
            "opened. Nothing was changed.",
            link=(urls.NOJS_UPLOAD_METADATA, "Continue with your current upload"),
        )
    chosen = form.get("gallery_id", "")
    outcome = await run_in_threadpool(
        lambda: complete_upload(
            uploads,
            owner=owner,
            token=form_token,
            raw_fields=form,
            gallery_id=gallery_choice(chosen),
        )
    )
    if isinstance(outcome, Gone):
        return _expired(request, outcome.message)
    if isinstance(outcome, Refused):
        keep_form_state(request, {"gallery_id": chosen}, outcome.errors)
        flash(request, outcome.message, "error")
        return redirect(urls.NOJS_UPLOAD_METADATA)
    request.session.pop(UPLOAD_TOKEN_KEY, None)
    flash(request, outcome.message, "success")
    return redirect(urls.nojs_image(outcome.image_id))


@router.post("/cancel")
async def cancel_upload(request: Request, uploads: UploadsDep, user: UserDep) -> Response:
    await _discard_pending(request, uploads, user)
    flash(request, "Upload cancelled.", "info")
    return redirect(urls.NOJS_LIBRARY)


@router.post("/different")
async def upload_different(request: Request, uploads: UploadsDep, user: UserDep) -> Response:
    await _discard_pending(request, uploads, user)
    flash(request, "Choose another image.", "info")
    return redirect(urls.NOJS_UPLOAD)


async def _discard_pending(request: Request, uploads: UploadService, user: CurrentUser) -> None:
    """Cancel and upload-different: the same cleanup service; a gone upload is fine."""
    form = await read_small_form(request)
    require_csrf(request, form)
    owner = user.upload_owner
    token = request.session.pop(UPLOAD_TOKEN_KEY, None)
    await run_in_threadpool(lambda: discard_upload(uploads, owner=owner, token=token))


@router.get("/preview")
def preview(
    request: Request, uploads: UploadsDep, user: UserDep, token: str | None = None
) -> Response:
    """The pending file, only for the session that owns it (``token`` picks one of several)."""
    found = pending_preview(
        request,
        uploads,
        owner=user.upload_owner,
        token=token or request.session.get(UPLOAD_TOKEN_KEY),
    )
    return found or Response("Not Found", status_code=404, media_type="text/plain")


def pending_preview(
    request: Request, uploads: UploadService, *, owner: str, token: str | None
) -> Response | None:
    """The owner's pending file as a browser can show it (the no-JS page and the API); None
    if there is no such upload."""
    try:
        relative, mime_type = uploads.pending_file(token=token, owner=owner)
    except UploadNotFound:
        return None
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if needs_conversion(mime_type):  # HEIC/HEIF: only Safari would show the file itself
        try:
            with uploads.storage.local_copy(relative) as path:
                preview_bytes = jpeg_preview(path)
        except FileNotFoundError:
            return Response("Not Found", status_code=404, media_type="text/plain")
        return Response(preview_bytes, media_type="image/jpeg", headers=headers)
    return stored_file_response(request, uploads.storage, relative, mime_type, headers)


def _expired(request: Request, message: str) -> Response:
    request.session.pop(UPLOAD_TOKEN_KEY, None)
    flash(request, message, "error")
    return redirect(urls.NOJS_UPLOAD)
