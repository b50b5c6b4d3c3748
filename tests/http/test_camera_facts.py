"""Camera facts and the privacy line over HTTP (no-JS pages): step 2 says what was removed (a
reload too), the image page shows the facts, the library sorts by date taken; phone formats
(MPO, animated AVIF) through both steps with every served copy read back clean and upright."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, upload
from tests.http.test_media import sources
from tests.images import encode, jpeg_bytes
from tests.images_metadata import (
    CAMERA_LINE,
    camera_exif,
    photo_with_camera_facts,
    private_exif,
    srgb_profile,
    stored_turned,
    upright_quadrants,
)
from tests.services.test_upload_formats import assert_no_personal_metadata, assert_shows

REMOVED = (
    "Removed: GPS position, camera serial number, owner's name, 9 other EXIF fields. "
    "Kept: colour profile."
)
IMAGE_LINK = re.compile(r'<li id="image-(\d+)">')


def text_of(page: str) -> str:
    return html.unescape(page)


def finished(client: TestClient, data: bytes, filename: str, title: str = "Sunset") -> int:
    assert upload(client, data, filename).status_code == 303
    response = complete(client, title=title)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("kind", ["heic", "jpeg"])
def test_step_two_says_what_was_removed_and_the_image_page_shows_the_facts(
    client: TestClient, kind: str
) -> None:
    assert upload(client, photo_with_camera_facts(kind), f"phone.{kind}").status_code == 303
    step_two = text_of(client.get("/nojs/images/upload/metadata").text)
    assert f'<p class="help privacy-line" id="privacy-line">{REMOVED}</p>' in step_two
    assert REMOVED in text_of(client.get("/nojs/images/upload/metadata").text)  # a reload too
    response = complete(client)
    image_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/nojs/images/{image_id}").text
    assert f'<p class="camera-facts" id="camera-facts">{CAMERA_LINE}</p>' in page


def test_nothing_is_said_of_facts_a_file_does_not_have(client: TestClient) -> None:
    assert upload(client, jpeg_bytes(), "plain.jpg").status_code == 303
    step_two = client.get("/nojs/images/upload/metadata").text
    assert '<p class="help privacy-line" id="privacy-line">No personal metadata found.</p>' in (
        step_two
    )
    response = complete(client)
    image_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert 'id="camera-facts"' not in client.get(f"/nojs/images/{image_id}").text


def test_the_library_sorts_by_date_taken(client: TestClient) -> None:
    older = finished(client, photo_with_camera_facts("jpeg"), "a.jpg", "Older")
    undated = finished(client, jpeg_bytes(seed=4), "b.jpg", "Undated")
    newer_exif = camera_exif(details={0x9003: "2026:01:02 09:00:00"})
    newer = finished(client, photo_with_camera_facts("webp", newer_exif), "c.webp", "Newer")
    by_upload = client.get("/nojs/images").text
    assert [int(found) for found in IMAGE_LINK.findall(by_upload)] == [newer, undated, older]
    page = client.get("/nojs/images?sort=taken").text
    assert [int(found) for found in IMAGE_LINK.findall(page)] == [newer, older, undated]
    assert '<option value="taken" selected>Date taken, newest first</option>' in page
    assert '<select id="filter_sort" name="sort">' in by_upload  # offered on every library page


def served_by_http(client: TestClient, image_id: int, tmp_path: Path) -> dict[str, Path]:
    """The original and every rendition the image's page links to, fetched from /media."""
    page = client.get(f"/nojs/images/{image_id}").text + client.get("/nojs/images").text
    urls = {f"/media/{image_id}"}
    urls |= {entry.split(" ")[0] for srcset in sources(page).values() for entry in srcset}
    files = {}
    for number, url in enumerate(sorted(urls)):
        response = client.get(url)
        assert response.status_code == 200, url
        files[url] = tmp_path / f"served-{number}"
        files[url].write_bytes(response.content)
    assert len(files) == 7  # the original and thumb and web in AVIF, WebP and JPEG
    return files


def turned_mpo(orientation: int) -> bytes:
    """A phone's multi-picture JPEG, stored turned, with GPS and a grey second picture."""
    stored = stored_turned(upright_quadrants((120, 60)), orientation)
    depth_map = Image.new("RGB", (stored.width // 2, stored.height // 2), (90, 90, 90))
    exif = private_exif(orientation).tobytes()
    return encode(stored, "MPO", save_all=True, append_images=[depth_map], quality=92, exif=exif)


def animated_avif_with_metadata() -> bytes:
    """An AVIF sequence whose first frame is the quadrants picture, with EXIF (GPS) and ICC."""
    first = upright_quadrants((120, 60))
    second = Image.new("RGB", first.size, (90, 90, 90))
    return encode(
        first,
        "AVIF",
        save_all=True,
        append_images=[second],
        duration=100,
        quality=90,
        exif=private_exif().tobytes(),
        icc_profile=srgb_profile(),
    )


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (turned_mpo(6), "phone.jpg"),
        (turned_mpo(3), "phone.jpg"),
        (animated_avif_with_metadata(), "moving.avif"),
    ],
)
def test_phone_formats_through_both_steps_are_served_clean_and_upright(
    client: TestClient, service: UploadService, data: bytes, filename: str, tmp_path: Path
) -> None:
    reference = upright_quadrants((120, 60)).convert("RGBA")
    image_id = finished(client, data, filename)
    for url, path in served_by_http(client, image_id, tmp_path).items():
        assert_shows(path, reference, url)
        assert_no_personal_metadata(path)
        with Image.open(path) as image:
            assert getattr(image, "n_frames", 1) == 1 or image.format == "AVIF", url
    original = client.get(f"/media/{image_id}")
    if filename.endswith(".jpg"):  # the MPO's second picture went with its metadata
        with Image.open(io.BytesIO(original.content)) as image:
            assert image.format == "JPEG"
