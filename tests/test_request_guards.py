"""The ASGI guards around the whole backend, on a stand-in app that would serve anything."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from imageapp.request_guards import PublicUploadReadGuard, SameOriginWebSocketGuard


async def serve_anything(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"SECRET {request.method} {request.url.path}")


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


SOCKET_URL = "ws://app.example:3000/_event"

inner = Starlette(
    routes=[
        Route("/{path:path}", serve_anything, methods=["GET", "HEAD", "POST"]),
        WebSocketRoute("/_event", echo_socket),
    ]
)


@pytest.fixture
def client() -> TestClient:
    guarded = PublicUploadReadGuard(SameOriginWebSocketGuard(inner, ["http://localhost:3000"]))
    return TestClient(guarded, base_url="http://app.example:3000")


@pytest.mark.parametrize(
    "path",
    ["/_upload", "/_upload/", "/_upload/temp/a.jpg", "/_upload/images/1.png", "//_upload/x"],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_reads_under_upload_are_refused(client: TestClient, method: str, path: str) -> None:
    url = client.base_url.copy_with(raw_path=path.encode())
    response = client.request(method, url)
    assert response.status_code == 404
    assert "SECRET" not in response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/_upload"), ("GET", "/_uploads/x"), ("GET", "/"), ("GET", "/nojs/_upload/x")],
)
def test_everything_else_passes(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 200
    assert response.text == f"SECRET {method} {path}"


@pytest.mark.parametrize(
    "origin", [None, "http://app.example:3000", "HTTP://APP.EXAMPLE:3000", "http://localhost:3000"]
)
def test_same_origin_and_listed_websockets_connect(client: TestClient, origin: str | None) -> None:
    headers = {"origin": origin} if origin else {}
    with client.websocket_connect(SOCKET_URL, headers=headers) as socket:
        assert socket.receive_text() == "hello"


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://app.example:4000", "https://app.example.evil"]
)
def test_cross_origin_websockets_are_refused(client: TestClient, origin: str) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(SOCKET_URL, headers={"origin": origin}),
    ):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize(
    "forwarded", ["evil.example", "evil.example, app.example:3000", "EVIL.EXAMPLE"]
)
def test_a_forwarded_host_never_makes_another_origin_same_origin(
    client: TestClient, forwarded: str
) -> None:
    """Anyone can send X-Forwarded-Host: it must not turn evil.example into "our" origin."""
    headers = {"origin": "http://evil.example", "x-forwarded-host": forwarded}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(SOCKET_URL, headers=headers),
    ):
        pass
    assert refused.value.code == 1008
