"""JSON answers of GETs with an ETag (a hash of the body), so clients can revalidate: a
matching If-None-Match gets a 304 without the body."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from imageapp.fallback.routes_library import _etag_matches

# Members-only data: no shared cache; every reuse is revalidated with the ETag.
CACHE_CONTROL = "private, no-cache"


def json_with_etag(request: Request, model: BaseModel, status_code: int = 200) -> Response:
    body = model.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if request.method == "GET" and _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
