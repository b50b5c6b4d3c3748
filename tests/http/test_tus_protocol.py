"""/tus/ over HTTP (the fallback app, real database and storage, both backends)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.services.backends import storage_for
from imageapp.services.storage import TUS_PARTS
from tests.http.conftest import complete
from tests.http.tus_support import upload
from tests.images import jpeg_bytes
from tests.stored import names

pytestmark = pytest.mark.both_storages


def test_options_lists_the_protocol(client: TestClient, app_settings: Settings) -> None:
    response = client.options("/tus/")
    assert response.status_code == 204
    assert response.headers["tus-resumable"] == "1.0.0"
    assert response.headers["tus-version"] == "1.0.0"
    assert response.headers["tus-extension"] == (
        "creation,creation-with-upload,termination,expiration"
    )
    assert response.headers["tus-max-size"] == str(app_settings.max_upload_bytes)


def test_chunks_then_get_is_step_one_and_step_two_finishes(
    client: TestClient, app_settings: Settings
) -> None:
    data = jpeg_bytes(seed=3)
    path = upload(client, data, size=len(data) // 5 + 1)
    assert names(storage_for(app_settings), TUS_PARTS) == []
    found = client.get(path)
    assert found.status_code == 200, found.text
    body = found.json()
    assert set(body) == {"upload_token", "image_id", "preview_url", "duplicates"}
    assert body["duplicates"] == []
    assert client.get(body["preview_url"]).status_code == 200
    finished = complete(client, title="Resumed")
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == f"/nojs/images/{body['image_id']}"
