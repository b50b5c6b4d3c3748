"""tus 1.0.0 requests as a client sends them, for the /tus/ tests."""

from __future__ import annotations

import base64
from typing import Any

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


def create(client: Any, length: int, filename: str = "photo.jpg", **headers: str) -> Any:
    """POST /tus/ (creation); returns the response."""
    sent = TUS | {"Upload-Length": str(length), "Upload-Metadata": metadata(filename=filename)}
    return client.post("/tus/", headers=sent | headers)


def path_of(response: Any) -> str:
    location = response.headers["location"]
    assert location.startswith("/tus/"), location
    return location


def patch(client: Any, path: str, offset: int, data: bytes, **headers: str) -> Any:
    sent = TUS | {"Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE}
    return client.patch(path, content=data, headers=sent | headers)


def head(client: Any, path: str, **headers: str) -> Any:
    return client.head(path, headers=TUS | headers)


def send_in_chunks(client: Any, path: str, data: bytes, size: int) -> Any:
    """PATCH ``data`` in pieces of ``size``; returns the last response."""
    offset = 0
    response = None
    while offset < len(data):
        response = patch(client, path, offset, data[offset : offset + size])
        assert response.status_code == 204, response.text
        offset = int(response.headers["upload-offset"])
    assert response is not None
    return response


def upload(client: Any, data: bytes, size: int = 4096, filename: str = "photo.jpg") -> str:
    """A whole tus upload; returns its path."""
    created = create(client, len(data), filename)
    assert created.status_code == 201, created.text
    path = path_of(created)
    send_in_chunks(client, path, data, size)
    return path
