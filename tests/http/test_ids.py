"""Ids too large for the database, in every address and form that carries one, on real SQLite
and PostgreSQL: a path is a 404, a form field an error by its field or an ignored id, and the
database never sees the number (PostgreSQL's INTEGER ends at 2**31 - 1, pysqlite at 2**63 - 1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.galleries import GalleryService
from imageapp.services.ids import MAX_ID
from tests.conftest import configure_settings
from tests.http.conftest import (
    bulk,
    csrf_of,
    finished_image,
    flash_of,
    new_gallery,
)

# Just past PostgreSQL's INTEGER, past SQLite's 64-bit integer, and the example.
TOO_LARGE = [str(MAX_ID + 1), str(2**63), "99999999999999999999"]

GETS = [
    "/nojs/images/{id}",
    "/media/{id}",
    "/media/{id}/thumb.webp",
    "/media/{id}/thumb.0123456789abcdef.jpg",
    "/nojs/galleries/{id}",
    "/nojs/galleries/{id}/edit",
    "/nojs/galleries/{id}/delete",
]
POSTS = [
    ("/nojs/galleries/{id}/edit", {"title": "Renamed"}),
    ("/nojs/galleries/{id}/delete", {}),
    ("/nojs/galleries/{id}/move", {"image_id": "{image}", "position": "1"}),
    ("/nojs/galleries/{id}/featured", {"image_id": "{image}"}),
    ("/nojs/galleries/{id}/remove", {"image_id": "{image}"}),
]
# Forms of a real gallery naming an image no row can have.
IMAGE_FORMS = ["/nojs/galleries/{id}/move", "/nojs/galleries/{id}/featured"]


@pytest.fixture
def app_settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Both databases here: what a too-large number does depends on the database."""
    return configure_settings(tmp_path, database_url, monkeypatch)


@pytest.fixture
def galleries(app_settings: Settings) -> GalleryService:
    return GalleryService(get_engine(app_settings.database_url))


@pytest.fixture
def placed(client: TestClient) -> tuple[int, int]:
    """A gallery holding one image: (gallery id, image id)."""
    gallery_id = new_gallery(client, "Harbour")
    image_id = finished_image(client, "Quay", 1)
    bulk(client, [image_id], "add_to_gallery", gallery_id=str(gallery_id))
    return gallery_id, image_id


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("path", GETS)
def test_every_get_with_a_too_large_id_is_a_404(
    client: TestClient, placed: tuple[int, int], path: str, number: str
) -> None:
    response = client.get(path.format(id=number))
    assert response.status_code == 404
    if path.startswith("/nojs"):
        assert "Page not found" in response.text


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize(("path", "fields"), POSTS)
def test_every_post_with_a_too_large_id_is_a_404_and_changes_nothing(
    client: TestClient,
    alice: CurrentUser,
    galleries: GalleryService,
    placed: tuple[int, int],
    path: str,
    fields: dict[str, str],
    number: str,
) -> None:
    gallery_id, image_id = placed
    form = {key: value.format(image=image_id) for key, value in fields.items()}
    response = client.post(
        path.format(id=number), data=form | {"csrf_token": csrf_of(client, "/nojs/galleries")}
    )
    assert response.status_code == 404
    assert [g.title for g in galleries.summaries(store_id=alice.store_id)] == ["Harbour"]
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [image_id]


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("path", IMAGE_FORMS)
def test_a_gallery_form_naming_a_too_large_image_is_refused(
    client: TestClient,
    alice: CurrentUser,
    galleries: GalleryService,
    placed: tuple[int, int],
    path: str,
    number: str,
) -> None:
    gallery_id, image_id = placed
    response = client.post(
        path.format(id=gallery_id),
        data={"image_id": number, "position": "1", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 400
    assert "did not say which image" in response.text
    assert galleries.get(store_id=alice.store_id, gallery_id=gallery_id).cover_image_id == image_id


@pytest.mark.parametrize("number", TOO_LARGE)
def test_removing_a_too_large_image_from_a_gallery_is_refused(
    client: TestClient,
    alice: CurrentUser,
    galleries: GalleryService,
    placed: tuple[int, int],
    number: str,
) -> None:
    gallery_id, image_id = placed
    response = client.post(
        f"/nojs/galleries/{gallery_id}/remove",
        data={"image_id": number, "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 400
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [image_id]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_too_large_numbers_in_query_strings_fall_back_to_defaults(
    client: TestClient, placed: tuple[int, int], number: str
) -> None:
    gallery_id, image_id = placed
    listed = f'name="image_id" value="{image_id}"'
    for url, shown in (
        (f"/nojs/images?gallery={number}", listed),
        (f"/nojs/images?page={number}", listed),
        (f"/nojs/images?gallery={number}&page={number}&select=all", f"{listed} checked"),
        (f"/nojs/galleries/{gallery_id}?page={number}", f'<li id="image-{image_id}">'),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.text, url


@pytest.mark.parametrize("number", TOO_LARGE)
def test_bulk_forms_ignore_too_large_image_ids(
    client: TestClient, placed: tuple[int, int], number: str
) -> None:
    _gallery_id, image_id = placed
    assert bulk(client, [image_id, number], "set_inactive").status_code == 303
    message = flash_of(client)
    assert "1 image set inactive" in message
    assert "1 image was not in your library and left alone." in message
    assert bulk(client, [number], "delete").headers["location"] == "/nojs/images"
    assert "None of the selected images is in your library." in flash_of(client)
    response = client.post(
        "/nojs/images/bulk/delete",
        data={"image_id": number, "csrf_token": csrf_of(client, "/nojs/images")},
    )
    assert response.status_code == 303
    assert client.get(f"/nojs/images/{image_id}").status_code == 404  # inactive, still there
    inactive = client.get("/nojs/images?status=inactive").text
    assert f'name="image_id" value="{image_id}"' in inactive


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("action", ["add_to_gallery", "remove_from_gallery"])
def test_bulk_forms_refuse_a_too_large_gallery_by_its_field(
    client: TestClient,
    alice: CurrentUser,
    galleries: GalleryService,
    placed: tuple[int, int],
    action: str,
    number: str,
) -> None:
    gallery_id, image_id = placed
    response = bulk(client, [image_id], action, gallery_id=number)
    assert response.headers["location"] == "/nojs/images#bulk"
    assert 'id="bulk_gallery_id_error">Choose a gallery first.' in client.get("/nojs/images").text
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [image_id]
