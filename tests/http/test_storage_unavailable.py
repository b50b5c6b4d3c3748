"""A bucket that stops answering or refuses the credentials: a clear 503, nothing half-kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import FileIntent, Image
from imageapp.services.backends import storage_for
from tests.http.conftest import finished_image, upload
from tests.images import jpeg_bytes
from tests.stored import temp_names
from tests.support.seaweed import SECRET_KEY

pytestmark = [pytest.mark.s3, pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)]
MESSAGE = "The image storage cannot be reached right now; nothing was changed."


def count(settings: Settings, table: type) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_refused_credentials_give_a_503_page_and_json_and_keep_nothing(
    client: TestClient, app_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_id = finished_image(client, "Kept", seed=1)
    images_before = count(app_settings, Image)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rotated-away")  # the key stops working

    page = upload(client, jpeg_bytes(seed=2))
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert MESSAGE in page.text
    assert "Traceback" not in page.text
    assert page.headers["retry-after"] == "60"
    as_json = upload(client, jpeg_bytes(seed=3), headers={"Accept": "application/json"})
    assert as_json.status_code == 503
    assert as_json.json()["errors"][0]["code"] == "storage_unavailable"
    media = client.get(f"/media/{image_id}")
    assert media.status_code == 503
    assert media.json()["errors"][0]["message"].startswith(MESSAGE)

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    assert count(app_settings, Image) == images_before  # no pending row
    assert count(app_settings, FileIntent) == 0
    assert temp_names(storage_for(app_settings)) == []  # no object
    spool = app_settings.storage_dir / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []  # no spool file
    assert client.get(f"/media/{image_id}").status_code == 200  # back once the key works


def test_an_unreachable_bucket_is_a_503_too(
    client: TestClient, app_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_id = finished_image(client, "Kept", seed=1)
    monkeypatch.setenv("IMAGEAPP_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    from imageapp.config import get_settings

    get_settings.cache_clear()
    response = client.get(f"/nojs/images/{image_id}")
    assert response.status_code == 200  # the page itself reads no file
    media = client.get(f"/media/{image_id}")
    assert media.status_code == 503
    assert "Traceback" not in media.text
