"""Step 2 points out an upload identical to an active image: keep it anyway, or cancel."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from imageapp.models import Image
from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, csrf_of, upload
from tests.images import jpeg_bytes

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages

NOTICE = "This image is already in your library"


def active_count(service: UploadService) -> int:
    with service.engine.connect() as connection:
        return (
            connection.scalar(
                sa.select(sa.func.count()).select_from(Image).where(Image.status == "active")
            )
            or 0
        )


def test_duplicate_warning_then_keep_anyway(client: TestClient, service: UploadService) -> None:
    data = jpeg_bytes(seed=21)
    upload(client, data)
    first_id = int(complete(client, title="Boats").headers["location"].rsplit("/", 1)[1])

    response = upload(client, data, headers={"Accept": "application/json"})
    assert response.json()["duplicates"] == [
        {"id": first_id, "title": "Boats", "url": f"/nojs/images/{first_id}"}
    ]
    page = client.get("/nojs/images/upload/metadata").text
    assert NOTICE in page
    assert f'<a href="/nojs/images/{first_id}">Boats</a>' in page
    assert '<a href="#title">Keep it anyway</a>' in page
    assert page.count('action="/nojs/images/upload/cancel"') == 2  # in the notice and below

    kept = complete(client, title="Boats again")
    assert kept.status_code == 303
    assert active_count(service) == 2


def test_duplicate_warning_then_cancel(client: TestClient, service: UploadService) -> None:
    data = jpeg_bytes(seed=22)
    upload(client, data)
    complete(client)
    upload(client, data)
    assert NOTICE in client.get("/nojs/images/upload/metadata").text
    response = client.post("/nojs/images/upload/cancel", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert active_count(service) == 1
    with service.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Image)) == 1


def test_no_warning_for_a_new_image(client: TestClient) -> None:
    upload(client, jpeg_bytes(seed=23))
    complete(client)
    response = upload(client, jpeg_bytes(seed=24), headers={"Accept": "application/json"})
    assert response.json()["duplicates"] == []
    assert NOTICE not in client.get("/nojs/images/upload/metadata").text
