"""/tus/: resumable uploads (tus 1.0.0; DESIGN.md, Resumable uploads). The protocol's
headers and statuses only: every decision is ``imageapp.services.tus_uploads``'s.

Login: the browser's session cookie or an API write token (``Authorization: Bearer``). A
cookie request is safe from other sites because the tus headers (``Tus-Resumable``,
``Upload-Offset``, the content type) force a CORS preflight that we never allow, and an
``Origin`` that is not this host's (or IMAGEAPP_PUBLIC_URL's) is refused outright.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Path
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from imageapp import urls
from imageapp.api.schemas import absolute
from imageapp.config import Settings
from imageapp.fallback.deps import EngineDep, SettingsDep, UploadsDep
from imageapp.fallback.routes_upload import REFUSAL_STATUS
from imageapp.fallback.session import UPLOAD_TOKEN_KEY
from imageapp.request_guards import origin_allowed
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from imageapp.services.rate_limits import RateLimiter
from imageapp.services.tus_uploads import (
    DONE,
    REFUSED,
    PatchWriter,
    TusError,
    TusState,
    TusUploadService,
)
from imageapp.session_cookie import AUTH_KEY

router = APIRouter(prefix=urls.TUS)
T = TypeVar("T")

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = "sha256"
OFFSET_TYPE = "application/offset+octet-stream"
FEED_BATCH_BYTES = 256 * 1024  # handed to a thread in batches of about this size
UploadId = Annotated[str, Path(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]
STATUS = {
    "not_found": 404,
    "expired": 410,
    "offset_mismatch": 409,
    "locked": 423,
    "too_large": 413,
    "too_long": 413,
    "bad_metadata": 400,
    "bad_request": 400,
    "unsupported_type": 415,
    "login_required": 401,
    "invalid_token": 401,
    "read_only_token": 403,
    "rate_limited": 429,
    "cross_site": 403,
    "version": 412,
    "checksum_algorithm": 400,
    "checksum_mismatch": 460,  # tus's own status for it
    **REFUSAL_STATUS,
}


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def refusal(error: TusError, **headers: str) -> Response:
    """The protocol's status with ``{"errors": [...]}`` (the API's shape), tus headers on."""
    extra = {"Tus-Version": TUS_VERSION} if error.code == "version" else {}
    return JSONResponse(
        {"errors": [{"code": error.code, "message": error.message}]},
        status_code=STATUS.get(error.code, 400),
        headers=tus_headers(**extra, **headers),
    )


def tus_service(uploads: UploadsDep) -> TusUploadService:
    return TusUploadService(uploads=uploads)


TusDep = Annotated[TusUploadService, Depends(tus_service)]


class Uploader:
    """Who sends: the session's user, or an API token's (``via_token``)."""

    def __init__(self, user: CurrentUser, via_token: bool) -> None:
        self.user = user
        self.via_token = via_token


def uploader(request: Request, engine: Any, settings: Settings, *, versioned: bool) -> Uploader:
    """The checks every request but OPTIONS passes first; TusError otherwise."""
    allowed = {settings.public_url.rstrip("/").lower()} if settings.public_url else set()
    if not origin_allowed(request.headers, allowed):
        raise TusError("cross_site", "Requests from other sites are not accepted.")
    if versioned and request.headers.get("tus-resumable") != TUS_VERSION:
        raise TusError("version", f"Send Tus-Resumable: {TUS_VERSION} (the only one served).")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        found = ApiTokenService(engine).user_for_token(value.strip())
        if found is None:
            raise TusError("invalid_token", "This API token is unknown or was revoked.")
        if found.scope != "write":
            raise TusError("read_only_token", "This token may only read; use a write token.")
        limiter = RateLimiter(
            engine=engine, redis_url=settings.redis_url, limit=settings.api_rate_limit_per_minute
        )
        if not limiter.hit(found.rate_key).allowed:
            raise TusError(
                "rate_limited",
                f"Too many requests: at most {settings.api_rate_limit_per_minute} a minute.",
            )
        return Uploader(found.user, via_token=True)
    user = AccountService(engine).user_for_session(request.session.get(AUTH_KEY))
    if user is None:
        raise TusError("login_required", "Log in first (or send an API write token).")
    return Uploader(user, via_token=False)


def upload_headers(settings: Settings, state: TusState) -> dict[str, str]:
    expires = format_datetime(state.expires_at.replace(tzinfo=UTC), usegmt=True)
    return tus_headers(**{"Upload-Offset": str(state.offset), "Upload-Expires": expires})


def location(settings: Settings, upload_id: str) -> str:
    """On IMAGEAPP_PUBLIC_URL when set, else relative (clients resolve it against /tus/):
    never built from a Host or X-Forwarded-Host anyone can send."""
    return absolute(settings, f"{urls.TUS}/{upload_id}")


@router.options("/")
@router.options("")
def capabilities(settings: SettingsDep) -> Response:
    return Response(
        status_code=204,
        headers=tus_headers(
            **{
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Max-Size": str(settings.max_upload_bytes),
                "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHMS,
            }
        ),
    )


@router.options("/{upload_id}")
def capabilities_of_one(settings: SettingsDep) -> Response:
    return capabilities(settings)


@router.post("/")
@router.post("")
async def create(
    request: Request, engine: EngineDep, settings: SettingsDep, tus: TusDep
) -> Response:
    """Creation (and creation-with-upload when the body carries the first bytes)."""
    try:
        who = await run_in_threadpool(uploader, request, engine, settings, versioned=True)
        if request.headers.get("upload-defer-length"):
            raise TusError(
                "bad_request", "Upload-Defer-Length is not supported: send Upload-Length."
            )
        length = _non_negative(request.headers.get("upload-length"), "Upload-Length")
        with_body = _declares_body(request)
        if with_body and _content_type(request) != OFFSET_TYPE:
            raise TusError("unsupported_type", f"Send the bytes as {OFFSET_TYPE}.")
        checksum = _checksum(request) if with_body else None
        state = await run_in_threadpool(
            lambda: tus.create(
                owner=who.user.upload_owner,
                store_id=who.user.store_id,
                user_id=who.user.id,
                length=length,
                metadata=request.headers.get("upload-metadata"),
            )
        )
        if with_body:
            opened = await run_in_threadpool(tus.open_patch, state.id, state.owner, 0, checksum)
            if isinstance(opened, PatchWriter):
                state = await _receive(request, opened)
            else:
                state = opened
    except TusError as error:
        return refusal(error)
    except ClientDisconnect:
        return Response(status_code=400)
    headers = upload_headers(settings, state) | {"Location": location(settings, state.id)}
    return Response(status_code=201, headers=headers)


@router.head("/{upload_id}")
async def head(
    upload_id: UploadId, request: Request, engine: EngineDep, settings: SettingsDep, tus: TusDep
) -> Response:
    try:
        who = await run_in_threadpool(uploader, request, engine, settings, versioned=True)
        state = await run_in_threadpool(tus.get, upload_id, who.user.upload_owner)
    except TusError as error:
        return Response(status_code=STATUS.get(error.code, 400), headers=tus_headers())
    headers = upload_headers(settings, state) | {"Upload-Length": str(state.length)}
    if state.metadata:
        headers["Upload-Metadata"] = state.metadata
    return Response(status_code=200, headers=headers)


@router.patch("/{upload_id}")
async def patch(
    upload_id: UploadId, request: Request, engine: EngineDep, settings: SettingsDep, tus: TusDep
) -> Response:
    try:
        who = await run_in_threadpool(uploader, request, engine, settings, versioned=True)
        if _content_type(request) != OFFSET_TYPE:
            raise TusError("unsupported_type", f"Send the bytes as {OFFSET_TYPE}.")
        offset = _non_negative(request.headers.get("upload-offset"), "Upload-Offset")
        checksum = _checksum(request)
        opened = await run_in_threadpool(
            tus.open_patch, upload_id, who.user.upload_owner, offset, checksum
        )
        state = await _receive(request, opened) if isinstance(opened, PatchWriter) else opened
    except TusError as error:
        return refusal(error)
    except ClientDisconnect:
        return Response(status_code=400)
    return Response(status_code=204, headers=upload_headers(settings, state))


@router.delete("/{upload_id}")
async def terminate(
    upload_id: UploadId, request: Request, engine: EngineDep, settings: SettingsDep, tus: TusDep
) -> Response:
    try:
        who = await run_in_threadpool(uploader, request, engine, settings, versioned=True)
        await run_in_threadpool(tus.terminate, upload_id, who.user.upload_owner)
    except TusError as error:
        return refusal(error)
    return Response(status_code=204, headers=tus_headers())


@router.get("/{upload_id}")
async def result(
    upload_id: UploadId, request: Request, engine: EngineDep, settings: SettingsDep, tus: TusDep
) -> Response:
    """After the last byte: step 1's JSON (200) or its refusal (4xx ``errors``)."""
    try:
        who = await run_in_threadpool(uploader, request, engine, settings, versioned=False)
        state = await run_in_threadpool(tus.finish_if_complete, upload_id, who.user.upload_owner)
    except TusError as error:
        return refusal(error)
    if state.state == REFUSED and state.result is not None:
        errors = [{"field": "image_file", **item} for item in state.result["errors"]]
        status = REFUSAL_STATUS.get(errors[0]["code"], 422)
        return JSONResponse({"errors": errors}, status_code=status, headers=tus_headers())
    if state.state != DONE or state.result is None:
        message = f"The upload has {state.offset} of {state.length} bytes; send the rest first."
        return JSONResponse(
            {"errors": [{"code": "incomplete", "message": message}]},
            status_code=409,
            headers=upload_headers(settings, state),
        )
    if not who.via_token:  # the no-JS step 2 finds the upload the browser just made
        request.session[UPLOAD_TOKEN_KEY] = state.result["upload_token"]
    return JSONResponse(
        step_one_json(settings, state.result, via_token=who.via_token), headers=tus_headers()
    )


def step_one_json(settings: Settings, found: dict[str, Any], *, via_token: bool) -> dict[str, Any]:
    """Exactly what step 1 answers: the API's URLs for a token, the pages' for a browser."""
    token = found["upload_token"]

    def image_url(image_id: int) -> str:
        if via_token:
            return absolute(settings, f"/api/v1/images/{image_id}")
        return urls.nojs_image(image_id)

    if via_token:
        preview = absolute(settings, f"/api/v1/uploads/{token}/preview")
    else:
        preview = urls.pending_preview(token)
    return {
        "upload_token": token,
        "image_id": found["image_id"],
        "preview_url": preview,
        "duplicates": [
            {"id": item["id"], "title": item["title"], "url": image_url(item["id"])}
            for item in found["duplicates"]
        ],
    }


async def _receive(request: Request, writer: PatchWriter) -> TusState:
    """Stream the body into the part; a cut keeps what arrived (the offset says how much)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > writer.room:
        await _shielded(writer.abort)
        raise TusError(
            "too_long", f"More bytes than the announced Upload-Length ({writer.state.length})."
        )
    batch = bytearray()
    try:
        async for chunk in request.stream():
            batch += chunk
            if len(batch) >= FEED_BATCH_BYTES:
                data, batch = bytes(batch), bytearray()
                await run_in_threadpool(writer.write, data)
    except ClientDisconnect:
        try:
            if batch:
                await _shielded(lambda: writer.write(bytes(batch)))
        except TusError:
            raise ClientDisconnect() from None  # refused: it kept nothing
        await _shielded(lambda: writer.commit(cut=True))  # tus: what arrived counts
        raise
    except TusError:
        raise  # the writer kept nothing and gave its lease back
    except BaseException:
        await _shielded(writer.abort)
        raise
    if batch:
        await run_in_threadpool(writer.write, bytes(batch))
    return await _shielded(writer.commit)


async def _shielded(call: Callable[[], T]) -> T:
    """Off the event loop, and finished even while the request is being cancelled."""
    with anyio.CancelScope(shield=True):
        done = await run_in_threadpool(call)
    return done


def _checksum(request: Request) -> bytes | None:
    """``Upload-Checksum: sha256 <base64 digest>``, or None without one."""
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise TusError("checksum_algorithm", "Upload-Checksum: only sha256 is supported.")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise TusError("bad_request", "Upload-Checksum: send sha256 and the base64 digest.")
    return digest


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _declares_body(request: Request) -> bool:
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        return int(declared) > 0
    return "chunked" in request.headers.get("transfer-encoding", "").lower()


def _non_negative(value: str | None, name: str) -> int:
    if value is None or not value.isdigit() or len(value) > 18:
        raise TusError("bad_request", f"{name} must be a whole number of bytes.")
    return int(value)
