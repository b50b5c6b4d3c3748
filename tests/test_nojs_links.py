"""The "?nojs=1" way out of a Reflex page, on a stand-in app that serves anything."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from imageapp.nojs_links import NoJavaScriptRedirect


async def serve_anything(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{request.method} {request.url.path}?{request.url.query}")


@pytest.fixture
def client() -> TestClient:
    inner = Starlette(routes=[Route("/{path:path}", serve_anything, methods=["GET", "POST"])])
    return TestClient(NoJavaScriptRedirect(inner), follow_redirects=False)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/?nojs=1", "/nojs/images"),
        ("/upload?nojs=1", "/nojs/images/upload"),
        ("/upload/?nojs=1", "/nojs/images/upload"),
        ("/images/42?nojs=1", "/nojs/images/42"),
        ("/images/42/?nojs", "/nojs/images/42"),
        ("/images/not-a-number?nojs=1", "/nojs/images"),
        ("/galleries?nojs=1", "/nojs/galleries"),
        ("/galleries/?nojs=1", "/nojs/galleries"),
        ("/galleries/7?nojs=1", "/nojs/galleries/7"),
        ("/galleries/7/?nojs", "/nojs/galleries/7"),
        ("/galleries/seven?nojs=1", "/nojs/galleries"),
        ("/trash?nojs=1", "/nojs/trash"),
        ("/trash/?nojs", "/nojs/trash"),
        ("/somewhere/else?nojs=1", "/nojs/images"),
        ("/?page=2&nojs=1", "/nojs/images?page=2"),
        (
            "/?q=sea+%26+sun&tag=boats&gallery=7&status=all&nojs=1&x=1",
            "/nojs/images?q=sea+%26+sun&tag=boats&gallery=7&status=all",
        ),
        ("/?q=&nojs=1", "/nojs/images"),
        ("/galleries/7?page=2&nojs=1", "/nojs/galleries/7"),
    ],
)
def test_a_reflex_page_with_nojs_goes_to_its_html_version(
    client: TestClient, path: str, target: str
) -> None:
    response = client.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == target


@pytest.mark.parametrize(
    "path",
    ["/", "/upload", "/images/42?page=2", "/nojs/images?nojs=1", "/media/1?nojs=1", "/_event?nojs"],
)
def test_everything_else_passes_through(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200


def test_only_reads_are_redirected(client: TestClient) -> None:
    assert client.post("/upload?nojs=1").status_code == 200
