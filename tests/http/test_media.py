"""The media route: originals and renditions of active images only, cached and revalidated."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image

from imageapp.models import Image as ImageRow
from imageapp.models import Rendition
from imageapp.services.accounts import CurrentUser
from imageapp.services.renditions import RENDITION_NAME
from imageapp.services.uploads import UploadService
from tests.http.conftest import complete, upload
from tests.images import jpeg_bytes
from tests.images_metadata import has_no_personal_metadata, jpeg_with_metadata

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages

# Media is members-only by default: browsers may cache it for a year, shared caches not at all.
IMMUTABLE = "private, max-age=31536000, immutable"
SRCSET = re.compile(r'<source type="(image/\w+)" srcset="([^"]+)"')


def finished(client: TestClient, data: bytes | None = None, title: str = "Sunset") -> int:
    upload(client, data if data is not None else jpeg_bytes((800, 600)))
    response = complete(client, title=title)
    return int(response.headers["location"].rsplit("/", 1)[1])


def sources(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, srcset in SRCSET.findall(html):
        found.setdefault(kind, []).extend(srcset.split(", "))
    return found


def rendition_urls(client: TestClient, image_id: int) -> dict[str, str]:
    """{"web.webp": "/media/1/web.<digest>.webp", ...} from the detail and list pages."""
    found = {}
    pages = client.get(f"/nojs/images/{image_id}").text + client.get("/nojs/images").text
    for srcset in sources(pages).values():
        for entry in srcset:
            url = entry.split(" ")[0]
            preset, _digest, extension = url.rsplit("/", 1)[1].split(".")
            found[f"{preset}.{extension}"] = url
    return found


def test_detail_and_list_show_pictures_with_avif_webp_and_jpeg(client: TestClient) -> None:
    image_id = finished(client)
    detail = client.get(f"/nojs/images/{image_id}").text
    assert "<picture>" in detail
    found = sources(detail)
    assert list(found) == ["image/avif", "image/webp", "image/jpeg"]  # AVIF first
    assert [entry.split(" ")[1] for entry in found["image/webp"]] == ["320w", "800w"]
    assert [entry.split(" ")[1] for entry in found["image/avif"]] == ["320w", "800w"]
    assert re.search(
        rf'<img src="/media/{image_id}/web\.[0-9a-f]{{16}}\.jpg" alt="The sun setting over the '
        r'sea" width="800" height="600" class="full">',
        detail,
    )
    listing = client.get("/nojs/images").text
    found = sources(listing)
    assert [entry.split(" ")[1] for entry in found["image/webp"]] == ["320w"]  # thumb only
    assert re.search(rf'<img src="/media/{image_id}/thumb\.[0-9a-f]{{16}}\.jpg"', listing)
    assert 'width="320" height="240" loading="lazy"' in listing


def test_rendition_headers_and_revalidation(client: TestClient) -> None:
    image_id = finished(client, jpeg_with_metadata())
    url = rendition_urls(client, image_id)["thumb.webp"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == 'inline; filename="sunset-thumb.webp"'
    etag = response.headers["etag"]
    assert etag == f'"{url.split(".")[1]}"'  # strong: the content digest
    assert has_no_personal_metadata(response.content)
    assert Image.open(io.BytesIO(response.content)).size == (96, 64)  # small image: not enlarged

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(url, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == IMMUTABLE
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_original_has_an_etag_too(client: TestClient) -> None:
    image_id = finished(client)
    response = client.get(f"/media/{image_id}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, max-age=3600"
    etag = response.headers["etag"]
    again = client.get(f"/media/{image_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag


def test_a_byte_range_is_served_and_nosniff_stays(client: TestClient) -> None:
    """Range requests (video-style seeking, resumed downloads) on either backend."""
    image_id = finished(client)
    whole = client.get(f"/media/{image_id}")
    assert whole.headers["x-content-type-options"] == "nosniff"
    part = client.get(f"/media/{image_id}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"
    assert part.headers["x-content-type-options"] == "nosniff"
    assert part.headers["etag"] == whole.headers["etag"]
    tail = client.get(f"/media/{image_id}", headers={"Range": "bytes=100-"})
    assert (tail.status_code, tail.content) == (206, whole.content[100:])
    past = client.get(f"/media/{image_id}", headers={"Range": f"bytes={len(whole.content)}-"})
    assert past.status_code == 416


def test_names_without_digest_and_stale_digests(client: TestClient, service: UploadService) -> None:
    image_id = finished(client)
    current = rendition_urls(client, image_id)["web.jpg"]
    plain = client.get(f"/media/{image_id}/web.jpg")
    assert plain.status_code == 200
    assert plain.headers["cache-control"] == "private, max-age=3600"
    assert plain.content == client.get(current).content
    stale = client.get(f"/media/{image_id}/web.0123456789abcdef.jpg")
    assert stale.status_code == 307
    assert stale.headers["location"] == current


def test_a_missing_rendition_falls_back_to_the_original(
    client: TestClient, service: UploadService
) -> None:
    image_id = finished(client)
    assert client.get(f"/media/{image_id}/huge.webp").headers["location"] == f"/media/{image_id}"
    with service.engine.connect() as connection:
        path = connection.scalar(sa.select(Rendition.path).where(Rendition.preset == "thumb"))
    service.storage.delete(path)
    found = RENDITION_NAME.match(path.rpartition("/")[2])
    assert found, path
    public = f"{found['preset']}.{found['digest']}.{found['extension']}"
    url = next(u for u in rendition_urls(client, image_id).values() if u.endswith(public))
    response = client.get(url)
    assert response.status_code == 307
    assert response.headers["location"] == f"/media/{image_id}"
    with service.engine.begin() as connection:
        connection.execute(sa.delete(Rendition))
    page = client.get(f"/nojs/images/{image_id}").text
    assert "<source" not in page
    assert f'<img src="/media/{image_id}" alt=' in page


def test_never_for_pending_or_inactive_images(client: TestClient, service: UploadService) -> None:
    image_id = finished(client)
    urls = rendition_urls(client, image_id)
    with service.engine.begin() as connection:
        connection.execute(sa.update(ImageRow).values(status="inactive"))
    for url in [*urls.values(), f"/media/{image_id}/web.jpg", f"/media/{image_id}"]:
        assert client.get(url).status_code == 404, url
    pending = upload(client, headers={"Accept": "application/json"}).json()["image_id"]
    for url in (f"/media/{pending}", f"/media/{pending}/thumb.webp", "/media/999/thumb.webp"):
        assert client.get(url).status_code == 404, url


def test_names_that_are_not_renditions_are_not_found(client: TestClient) -> None:
    image_id = finished(client)
    for name in ("thumb.gif", "thumb", "..%2F..%2Fsecret", "Thumb.webp", "thumb.abc.webp"):
        assert client.get(f"/media/{image_id}/{name}").status_code == 404, name


def test_public_media_is_cacheable_by_everyone_and_needs_no_login(
    client: TestClient, anonymous: TestClient, service: UploadService
) -> None:
    image_id = finished(client, jpeg_with_metadata())
    url = rendition_urls(client, image_id)["thumb.webp"]
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(f"/media/{image_id}").status_code == 404
    service.settings.public_media = True
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert anonymous.get(f"/media/{image_id}").headers["cache-control"] == "public, max-age=3600"


def test_an_edit_replaces_the_renditions_and_old_addresses_point_to_the_new(
    client: TestClient, service: UploadService, alice: CurrentUser
) -> None:
    from imageapp.jobs.tasks import get_jobs
    from imageapp.services.edits import CropBox, ImageEdit, save_edit

    image_id = finished(client, jpeg_bytes((800, 600)))
    original = client.get(f"/media/{image_id}").content
    before = rendition_urls(client, image_id)
    edit = ImageEdit(rotate=90, crop=CropBox(100, 0, 400, 600))
    saved = save_edit(
        service.engine,
        get_jobs(service.settings),
        store_id=alice.store_id,
        image_id=image_id,
        edit=edit,
    )
    assert saved is not None
    after = rendition_urls(client, image_id)
    assert after.keys() == before.keys()
    for name, old_url in before.items():
        assert after[name] != old_url
        stale = client.get(old_url)  # a page or cache from before the edit
        assert stale.status_code == 307
        assert stale.headers["location"] == after[name]
    web = Image.open(io.BytesIO(client.get(after["web.jpg"]).content))
    assert web.size == (600, 400)  # the 400 x 600 crop, turned
    assert client.get(f"/media/{image_id}").content == original  # the original never changes
