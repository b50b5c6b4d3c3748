"""Step 2 answers before the renditions exist; the no-JS image page says they are coming."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imageapp.jobs.tasks import get_jobs
from tests.http.test_media import finished, sources

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
