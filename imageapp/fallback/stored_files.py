"""Answering with a stored file, from either backend, after the route has checked access.

Local files go out with sendfile (Starlette's FileResponse: Range, HEAD). A bucket's files are
streamed through the app from a GET on the bucket, a single ``Range`` passed on to it: the
app keeps checking every request (members-only media, the pending preview's session and
token) and keeps its own headers (ETag, ``nosniff``, Content-Disposition, Cache-Control), and
the bucket needs no public address. Chosen over presigned redirects, which would hand out a
URL that works for anyone until it expires and would need the bucket reachable by browsers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from imageapp.services.storage import RangeNotSatisfiable, Storage

# One range of bytes: "bytes=FIRST-" or "bytes=FIRST-LAST" (others get the whole file).
SINGLE_RANGE = re.compile(r"^bytes=(?P<first>\d+)-(?P<last>\d*)$")


def stored_file_response(
    request: Request,
    storage: Storage,
    relative: str,
    media_type: str,
    headers: Mapping[str, str],
) -> Response:
    """The file at ``relative`` with ``headers``; 404 if it vanished since the check."""
    local = storage.local_path(relative)
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=dict(headers))
    first, last = _wanted_range(request, headers.get("ETag"))
    try:
        chunks, span = storage.read(relative, first, last)
    except FileNotFoundError:
        return Response("Not Found", status_code=404, media_type="text/plain")
    except RangeNotSatisfiable as exc:
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{exc.total}"}
        )
    answer = {
        **headers,
        "Accept-Ranges": "bytes",
        "Content-Length": str(span.last - span.first + 1),
    }
    status = 200
    if first is not None:
        status = 206
        answer["Content-Range"] = f"bytes {span.first}-{span.last}/{span.total}"
    if request.method == "HEAD":
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        return Response(status_code=status, media_type=media_type, headers=answer)
    return StreamingResponse(chunks, status_code=status, media_type=media_type, headers=answer)


def _wanted_range(request: Request, etag: str | None) -> tuple[int | None, int | None]:
    """The single range asked for, if any (and still valid for this ETag, by If-Range)."""
    found = SINGLE_RANGE.match(request.headers.get("range", "").strip())
    if found is None:
        return None, None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != etag:
        return None, None
    first = int(found["first"])
    last = int(found["last"]) if found["last"] else None
    if last is not None and last < first:
        return None, None
    return first, last
