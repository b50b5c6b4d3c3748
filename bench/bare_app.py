"""Bare Starlette endpoints to compare imageapp's step 1 with (no database, session, CSRF).

``POST /stream`` streams the raw body to a file; ``POST /validate`` does the same, then runs
imageapp's own validation (libmagic sniff, Pillow decode) on it. Serve with
``uvicorn --factory bench.bare_app:create_app``; files go to ``$BENCH_BARE_DIR``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from imageapp.services.validation import SNIFF_BYTES, inspect_image, sniff_type

MAX_PIXELS = 40_000_000


async def _stream_to_file(request: Request) -> tuple[Path, bytes, int]:
    path = Path(os.environ["BENCH_BARE_DIR"]) / f"{uuid.uuid4()}.bin"
    head, size = b"", 0
    with path.open("wb") as handle:
        async for chunk in request.stream():
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            size += len(chunk)
            handle.write(chunk)
    return path, head, size


async def stream(request: Request) -> JSONResponse:
    _path, _head, size = await _stream_to_file(request)
    return JSONResponse({"size": size}, status_code=201)


async def validate(request: Request) -> JSONResponse:
    path, head, size = await _stream_to_file(request)
    image_type = sniff_type(head)
    info = await run_in_threadpool(inspect_image, path, image_type, MAX_PIXELS)
    return JSONResponse({"size": size, "width": info.width}, status_code=201)


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/stream", stream, methods=["POST"]),
            Route("/validate", validate, methods=["POST"]),
        ]
    )
