"""Step 2 answers before the renditions exist; the no-JS image page says they are coming and
shows the original meanwhile (a JPEG made from it, if browsers cannot show its type)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imageapp.jobs.tasks import get_jobs
from tests.http.test_media import finished, sources
from tests.images import avif_bytes
from tests.images_metadata import oriented_file, upright_quadrants
from tests.services.test_upload_formats import assert_no_personal_metadata, assert_shows

pytestmark = pytest.mark.real_queue
BEING_MADE = "Web copies are being made"


def test_the_image_page_shows_the_original_until_the_worker_made_the_renditions(
    client: TestClient,
) -> None:
    image_id = finished(client)  # step 2 redirected to the image: it is active
    huey = get_jobs().huey
    assert huey.pending_count() == 1
    page = client.get(f"/nojs/images/{image_id}").text
    assert BEING_MADE in page
    assert f'<img src="/media/{image_id}" alt=' in page  # the original meanwhile
    assert sources(page) == {}

    while (task := huey.dequeue()) is not None:  # a worker's turn
        huey.execute(task)
    page = client.get(f"/nojs/images/{image_id}").text
    assert BEING_MADE not in page
    assert list(sources(page)) == ["image/avif", "image/webp", "image/jpeg"]


def test_a_heic_page_shows_a_jpeg_of_the_original_until_the_renditions_exist(
    client: TestClient, stranger_client: TestClient, tmp_path: Path
) -> None:
    """Chromium cannot show HEIC: the page's <img> is a JPEG made from it meanwhile."""
    image_id = finished(client, oriented_file("heic", 6))
    page = client.get(f"/nojs/images/{image_id}").text
    preview_url = f"/media/{image_id}/original-preview.jpg"
    assert f'<img src="{preview_url}" alt=' in page
    assert f'<img src="{preview_url}" alt=' in client.get("/nojs/images").text  # its thumbnail
    shown = client.get(preview_url)
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    (tmp_path / "shown.jpg").write_bytes(shown.content)
    assert_shows(tmp_path / "shown.jpg", upright_quadrants((120, 60)).convert("RGBA"), "preview")
    assert_no_personal_metadata(tmp_path / "shown.jpg")
    again = client.get(preview_url, headers={"If-None-Match": shown.headers["etag"]})
    assert again.status_code == 304
    assert stranger_client.get(preview_url).status_code == 404  # another store's: not found

    huey = get_jobs().huey
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    page = client.get(f"/nojs/images/{image_id}").text
    assert preview_url not in page
    assert list(sources(page)) == ["image/avif", "image/webp", "image/jpeg"]


def test_the_jpeg_of_the_original_is_only_for_types_browsers_cannot_show(
    client: TestClient,
) -> None:
    image_id = finished(client, avif_bytes())
    assert f'<img src="/media/{image_id}" alt=' in client.get(f"/nojs/images/{image_id}").text
    response = client.get(f"/media/{image_id}/original-preview.jpg")
    assert response.status_code == 307
    assert response.headers["location"] == f"/media/{image_id}"
