"""The mounted FastAPI fallback app, driven through Starlette's TestClient (real DB and disk)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.fallback.app import create_fallback_app
from imageapp.services.factory import build_upload_service
from imageapp.services.uploads import UploadService
from tests.conftest import configure_settings
from tests.images import jpeg_bytes

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_settings(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return configure_settings(tmp_path, sqlite_url, monkeypatch)


@pytest.fixture
def service(app_settings: Settings) -> UploadService:
    return build_upload_service(app_settings)


def new_client(app_settings: Settings) -> TestClient:
    return TestClient(create_fallback_app(), base_url="http://testserver", follow_redirects=False)


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with new_client(app_settings) as test_client:
        yield test_client


@pytest.fixture
def other_client(app_settings: Settings) -> Iterator[TestClient]:
    """A second browser: its own cookie jar, so its own session."""
    with new_client(app_settings) as test_client:
        yield test_client


def csrf_of(client: TestClient, page: str = "/nojs/images/upload") -> str:
    response = client.get(page)
    found = CSRF_PATTERN.search(response.text)
    assert found, response.text
    return found.group(1)


def upload(
    client: TestClient,
    data: bytes | None = None,
    filename: str = "photo.jpg",
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
):  # -> httpx.Response
    token = csrf if csrf is not None else csrf_of(client)
    return client.post(
        "/nojs/images/upload",
        data={"csrf_token": token},
        files={"image_file": (filename, data if data is not None else jpeg_bytes(), "image/jpeg")},
        headers=headers or {},
    )


def complete(client: TestClient, **fields: str):  # -> httpx.Response
    page = client.get("/nojs/images/upload/metadata")
    token = re.search(r'name="upload_token" value="([^"]+)"', page.text)
    assert token, page.text
    form = {
        "csrf_token": csrf_of(client),
        "upload_token": token.group(1),
        "title": "Sunset",
        "alt_text": "The sun setting over the sea",
    } | fields
    return client.post("/nojs/images/upload/metadata", data=form)
