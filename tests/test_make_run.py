"""Smoke test of `make run`: the real production build answers on one port."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.prod_server import SERVER_TEST_TIMEOUT_S, ProdServer, git_status, prod_server

__all__ = ["prod_server"]  # the shared, session-wide server fixture

pytestmark = [pytest.mark.slow, pytest.mark.timeout(SERVER_TEST_TIMEOUT_S)]


@pytest.fixture
def client(prod_server: ProdServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=prod_server.base_url, timeout=30.0) as client:
        yield client


def test_ping_answers(client: httpx.Client) -> None:
    response = client.get("/ping")
    assert response.status_code == 200


def test_library_page_is_the_prerendered_reflex_page(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>Image library · imageapp</title>" in html
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.DOTALL)
    assert noscript is not None
    # Relative, so the same link works on every page (the SPA fallback of /images/<id> too);
    # the server sends "?nojs=1" on to the page's /nojs counterpart.
    assert 'href="?nojs=1"' in noscript.group(1)
    assert "Built with Reflex" not in html
    way_out = client.get("/?nojs=1")
    assert (way_out.status_code, way_out.headers["location"]) == (303, "/nojs/images")


@pytest.mark.parametrize(
    "path",
    [
        "/_upload/anything",
        "/_upload/temp/pending.jpg",
        "/_upload/images/1.jpg",
        "//_upload/images/1.jpg",
        "/_upload/%2e%2e/imageapp.db",
        "/_upload",
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_nothing_is_served_from_reflex_upload_dir(
    client: httpx.Client, method: str, path: str
) -> None:
    url = client.base_url.copy_with(raw_path=path.encode())  # exactly as written, no clean-up
    response = client.request(method, url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("folder", ["temp", "images"])
def test_files_on_disk_are_not_reachable_under_upload(
    prod_server: ProdServer, client: httpx.Client, folder: str
) -> None:
    """Real files in our storage AND in Reflex's own upload dir: neither comes back."""
    name = f"{uuid.uuid4().hex}.jpg"
    secret = b"private image bytes " + name.encode()
    for root in (prod_server.storage_dir, prod_server.reflex_upload_dir):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_bytes(secret)

    for path in (f"/_upload/{folder}/{name}", f"/_upload/{name}"):
        response = client.get(path)
        assert response.status_code == 404
        assert secret not in response.content


def test_serving_leaves_the_checkout_as_it_was(prod_server: ProdServer) -> None:
    """`make run` installs, migrates and builds, but rewrites no tracked file (reflex.lock/...)
    and leaves no file git would pick up."""
    assert git_status() == prod_server.git_status_before


def test_the_embedded_workers_lines_are_in_the_output(prod_server: ProdServer) -> None:
    """imageapp's INFO lines reach `make run`'s output (Reflex's logging setup hid them)."""
    deadline = time.monotonic() + 30
    while "embedded worker started in process" not in prod_server.log_tail(10**7):
        assert time.monotonic() < deadline, prod_server.log_tail()
        time.sleep(0.5)
    assert re.search(
        r"^\[INFO\] \d+ imageapp\.jobs\.worker: embedded worker started in process \d+",
        prod_server.log_tail(10**7),
        re.MULTILINE,
    )
