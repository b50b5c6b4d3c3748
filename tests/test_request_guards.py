"""The ASGI guards around the whole backend, on a stand-in app that would serve anything
(and one that reports the client address and scheme it was given)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from imageapp.proxies import TrustedProxies
from imageapp.request_guards import (
    ForwardedHeaders,
    PublicUploadReadGuard,
    SameOriginWebSocketGuard,
)


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


PUBLIC = "https://photos.example.com"


@pytest.fixture
def behind_proxy() -> TestClient:
    """As deployed: the proxy sends the Host it was asked for (no port), the public
    address is configured."""
    guarded = SameOriginWebSocketGuard(inner, public_origin=PUBLIC)
    return TestClient(guarded, base_url="http://127.0.0.1:3000")


@pytest.mark.parametrize(
    "origin", ["https://photos.example.com", "HTTPS://Photos.Example.COM", PUBLIC + "/"]
)
def test_the_public_origin_connects(behind_proxy: TestClient, origin: str) -> None:
    headers = {"origin": origin, "host": "127.0.0.1:3000"}
    with behind_proxy.websocket_connect("ws://127.0.0.1:3000/_event", headers=headers) as socket:
        assert socket.receive_text() == "hello"


@pytest.mark.parametrize(
    "origin",
    [
        "http://photos.example.com",  # not the public scheme
        "https://photos.example.com:8443",
        "https://evil.example",
        "https://photos.example.com.evil",
    ],
)
def test_only_the_public_origin_is_added(behind_proxy: TestClient, origin: str) -> None:
    headers = {"origin": origin, "x-forwarded-host": urlsplit(origin).netloc}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        behind_proxy.websocket_connect("ws://127.0.0.1:3000/_event", headers=headers),
    ):
        pass
    assert refused.value.code == 1008


async def where_from(request: Request) -> PlainTextResponse:
    client = request.client.host if request.client else "none"
    return PlainTextResponse(f"{client} {request.url.scheme}")


async def socket_where_from(websocket: WebSocket) -> None:
    await websocket.accept()
    client = websocket.client.host if websocket.client else "none"
    await websocket.send_text(f"{client} {websocket.url.scheme}")
    await websocket.close()


reporter = Starlette(routes=[Route("/", where_from), WebSocketRoute("/_event", socket_where_from)])
PROXIES = TrustedProxies.from_setting("127.0.0.1, 10.0.0.0/8")
SPOOF = {"x-forwarded-for": "198.51.100.7, 203.0.113.9", "x-forwarded-proto": "https"}


def reporting_client(peer: str, trusted: TrustedProxies = PROXIES) -> TestClient:
    return TestClient(ForwardedHeaders(reporter, trusted), client=(peer, 4711))


@pytest.mark.parametrize(
    ("peer", "trusted", "seen"),
    [
        ("127.0.0.1", PROXIES, "203.0.113.9 https"),
        ("10.1.2.3", PROXIES, "203.0.113.9 https"),
        ("203.0.113.50", PROXIES, "203.0.113.50 http"),  # an untrusted peer: all ignored
        ("127.0.0.1", TrustedProxies(), "127.0.0.1 http"),  # the default trusts nobody
    ],
)
def test_forwarded_headers_only_from_trusted_peers(
    peer: str, trusted: TrustedProxies, seen: str
) -> None:
    assert reporting_client(peer, trusted).get("/", headers=SPOOF).text == seen


@pytest.mark.parametrize(
    ("peer", "seen"), [("127.0.0.1", "203.0.113.9 wss"), ("203.0.113.50", "203.0.113.50 ws")]
)
def test_forwarded_headers_on_the_websocket(peer: str, seen: str) -> None:
    with reporting_client(peer).websocket_connect("/_event", headers=SPOOF) as socket:
        assert socket.receive_text() == seen
