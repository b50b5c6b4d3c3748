"""Galleries without JavaScript: create, edit, delete, order, cover, and who may touch them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.errors import GalleryUnavailable
from imageapp.services.galleries import GalleryService
from tests.http.conftest import bulk, csrf_of, finished_image, flash_of, new_gallery, upload

# As the templates escape it (Jinja writes an apostrophe as &#39;).
GALLERY_ERROR = 'id="gallery_id_error">' + GalleryUnavailable.MESSAGE.replace("'", "&#39;")


@pytest.fixture
def galleries(app_settings: Settings) -> GalleryService:
    return GalleryService(get_engine(app_settings.database_url))


def order_on_page(client: TestClient, gallery_id: int, page: int = 1) -> list[int]:
    html = client.get(f"/nojs/galleries/{gallery_id}?page={page}").text
    return [int(found) for found in re.findall(r'<li id="image-(\d+)">', html)]


def post(client: TestClient, path: str, **fields: str):  # -> httpx.Response
    return client.post(path, data={"csrf_token": csrf_of(client, "/nojs/galleries")} | fields)


def test_create_then_list_with_count_and_cover(client: TestClient) -> None:
    assert "No galleries yet." in client.get("/nojs/galleries").text
    response = client.post(
        "/nojs/galleries",
        data={"csrf_token": csrf_of(client, "/nojs/galleries"), "title": "Summer 2025"},
    )
    gallery_id = int(response.headers["location"].rsplit("/", 1)[1])
    created = flash_of(client, f"/nojs/galleries/{gallery_id}")
    assert created == "Gallery 'Summer 2025' created. Add images to it from the library."
    first, second = finished_image(client, "One", 1), finished_image(client, "Two", 2)
    bulk(client, [first, second], "add_to_gallery", gallery_id=str(gallery_id))
    listing = client.get("/nojs/galleries").text
    assert "Summer 2025" in listing
    assert "2 images" in listing
    assert f'src="/media/{first}/' in listing  # the first image is the cover ...
    post(client, f"/nojs/galleries/{gallery_id}/featured", image_id=str(second))
    featured = flash_of(client, f"/nojs/galleries/{gallery_id}")
    assert featured == "'Two' is now the cover of 'Summer 2025'."
    listing = client.get("/nojs/galleries").text
    assert f'src="/media/{second}/' in listing  # ... until another is featured
    assert f'src="/media/{first}/' not in listing


def test_refused_fields_come_back_with_their_values(client: TestClient) -> None:
    response = post(client, "/nojs/galleries", title="", slug="Not A Slug", description="Kept")
    assert response.headers["location"] == "/nojs/galleries#new-gallery"
    page = client.get("/nojs/galleries").text
    assert 'id="title_error">Enter a title for the gallery.' in page
    assert 'id="slug_error">Use only lowercase letters' in page
    assert 'value="Not A Slug"' in page
    assert ">Kept</textarea>" in page


def test_edit_title_slug_and_description(
    client: TestClient, alice: CurrentUser, galleries: GalleryService
) -> None:
    gallery_id = new_gallery(client, "Summer")
    new_gallery(client, "Winter")
    page = client.get(f"/nojs/galleries/{gallery_id}/edit").text
    assert 'value="Summer"' in page
    assert 'value="summer"' in page
    taken = post(client, f"/nojs/galleries/{gallery_id}/edit", title="Summer", slug="winter")
    assert taken.headers["location"] == f"/nojs/galleries/{gallery_id}/edit"
    page = client.get(taken.headers["location"]).text
    assert "Another gallery already uses &#39;winter&#39;." in page
    assert 'value="winter"' in page
    saved = post(
        client,
        f"/nojs/galleries/{gallery_id}/edit",
        title="Summer 25",
        slug="s25",
        description="Hot",
    )
    assert saved.headers["location"] == f"/nojs/galleries/{gallery_id}"
    assert flash_of(client, saved.headers["location"]) == "Gallery 'Summer 25' saved."
    summary = galleries.get(store_id=alice.store_id, gallery_id=gallery_id)
    assert (summary.title, summary.slug, summary.description) == ("Summer 25", "s25", "Hot")


def test_deleting_a_gallery_asks_first_and_keeps_its_images(client: TestClient) -> None:
    gallery_id = new_gallery(client, "Doomed")
    image_id = finished_image(client, "Survivor", 1)
    bulk(client, [image_id], "add_to_gallery", gallery_id=str(gallery_id))
    confirm = client.get(f"/nojs/galleries/{gallery_id}/delete").text
    assert "Its 1 image stays in your library" in confirm
    assert client.get(f"/nojs/galleries/{gallery_id}").status_code == 200  # asking changed nothing
    response = post(client, f"/nojs/galleries/{gallery_id}/delete")
    assert response.headers["location"] == "/nojs/galleries"
    assert "Its image is still in your library." in flash_of(client, "/nojs/galleries")
    assert client.get(f"/nojs/galleries/{gallery_id}").status_code == 404
    assert client.get(f"/nojs/images/{image_id}").status_code == 200
    assert client.get(f"/media/{image_id}").status_code == 200


def test_move_up_down_and_to_a_position(
    client: TestClient, alice: CurrentUser, galleries: GalleryService
) -> None:
    gallery_id = new_gallery(client, "Ordered")
    a, b, c = (finished_image(client, name, n) for n, name in enumerate("abc"))
    bulk(client, [a, b, c], "add_to_gallery", gallery_id=str(gallery_id))
    assert order_on_page(client, gallery_id) == [a, b, c]
    page = client.get(f"/nojs/galleries/{gallery_id}").text
    assert re.search(r'name="position" value="2"[^>]*>Move up<span[^>]*> c<', page)  # c is 3rd

    def move(image_id: int, position: str):  # -> httpx.Response
        return post(
            client, f"/nojs/galleries/{gallery_id}/move", image_id=str(image_id), position=position
        )

    assert move(c, "2").headers["location"] == f"/nojs/galleries/{gallery_id}#image-{c}"  # up
    assert order_on_page(client, gallery_id) == [a, c, b]
    move(a, "2")  # down
    assert order_on_page(client, gallery_id) == [c, a, b]
    move(b, "1")  # to position 1
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [b, c, a]
    assert flash_of(client, f"/nojs/galleries/{gallery_id}") == "Moved 'b' to position 1 of 3."
    move(b, "99")  # past the end: last
    assert flash_of(client, f"/nojs/galleries/{gallery_id}") == "Moved 'b' to position 3 of 3."
    assert order_on_page(client, gallery_id) == [c, a, b]


def test_a_bad_position_is_shown_next_to_its_field(client: TestClient) -> None:
    gallery_id = new_gallery(client, "G")
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    bulk(client, [a, b], "add_to_gallery", gallery_id=str(gallery_id))
    post(client, f"/nojs/galleries/{gallery_id}/move", image_id=str(b), position="first")
    page = client.get(f"/nojs/galleries/{gallery_id}").text
    assert f'id="position_{b}_error">Enter a position: a whole number from 1.' in page
    assert f'id="position_{b}" name="position" min="1" max="2" value="first"' in page
    assert order_on_page(client, gallery_id) == [a, b]


def test_moving_to_another_page_follows_the_image(
    client: TestClient, app_settings: Settings
) -> None:
    app_settings.page_size = 2
    gallery_id = new_gallery(client, "Long")
    ids = [finished_image(client, f"p{n}", n) for n in range(3)]
    bulk(client, ids, "add_to_gallery", gallery_id=str(gallery_id))
    assert order_on_page(client, gallery_id, page=2) == [ids[2]]
    response = post(
        client, f"/nojs/galleries/{gallery_id}/move", image_id=str(ids[0]), position="3"
    )
    assert response.headers["location"] == f"/nojs/galleries/{gallery_id}?page=2#image-{ids[0]}"
    assert order_on_page(client, gallery_id, page=2) == [ids[0]]
    page = client.get(f"/nojs/galleries/{gallery_id}?page=2").text
    assert '<ol class="ordered" start="3">' in page


def test_remove_from_gallery_keeps_the_image(
    client: TestClient, alice: CurrentUser, galleries: GalleryService
) -> None:
    gallery_id = new_gallery(client, "G")
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    bulk(client, [a, b], "add_to_gallery", gallery_id=str(gallery_id))
    post(client, f"/nojs/galleries/{gallery_id}/remove", image_id=str(a))
    removed = flash_of(client, f"/nojs/galleries/{gallery_id}")
    assert removed == "'a' was taken out of 'G'; it stays in your library."
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [b]
    assert client.get(f"/nojs/images/{a}").status_code == 200
    post(client, f"/nojs/galleries/{gallery_id}/remove", image_id=str(a))
    assert flash_of(client, f"/nojs/galleries/{gallery_id}") == "That image is not in this gallery."


GALLERY_POSTS = [
    ("/nojs/galleries", {"title": "New"}),
    ("/nojs/galleries/{g}/edit", {"title": "Renamed"}),
    ("/nojs/galleries/{g}/delete", {}),
    ("/nojs/galleries/{g}/move", {"image_id": "{i}", "position": "1"}),
    ("/nojs/galleries/{g}/featured", {"image_id": "{i}"}),
    ("/nojs/galleries/{g}/remove", {"image_id": "{i}"}),
]


def gallery_with_two(client: TestClient) -> tuple[int, list[int]]:
    gallery_id = new_gallery(client, "Mine")
    ids = [finished_image(client, "a", 1), finished_image(client, "b", 2)]
    bulk(client, ids, "add_to_gallery", gallery_id=str(gallery_id))
    return gallery_id, ids


def fill(path: str, fields: dict[str, str], gallery_id: int, image_id: int) -> tuple[str, dict]:
    def one(text: str) -> str:
        return text.replace("{g}", str(gallery_id)).replace("{i}", str(image_id))

    return one(path), {key: one(value) for key, value in fields.items()}


@pytest.mark.parametrize(("path", "fields"), GALLERY_POSTS)
@pytest.mark.parametrize("csrf", [None, "forged"])
def test_every_gallery_form_needs_the_csrf_token(
    client: TestClient,
    alice: CurrentUser,
    galleries: GalleryService,
    path: str,
    fields: dict[str, str],
    csrf: str | None,
) -> None:
    gallery_id, ids = gallery_with_two(client)
    url, data = fill(path, fields, gallery_id, ids[1])
    response = client.post(url, data=data | ({"csrf_token": csrf} if csrf else {}))
    assert response.status_code == 403
    assert [g.title for g in galleries.summaries(store_id=alice.store_id)] == ["Mine"]
    assert galleries.get(store_id=alice.store_id, gallery_id=gallery_id).cover_image_id == ids[0]
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == ids


@pytest.mark.parametrize(("path", "fields"), GALLERY_POSTS[1:])
def test_another_store_gets_404_and_changes_nothing(
    client: TestClient,
    alice: CurrentUser,
    stranger_client: TestClient,
    galleries: GalleryService,
    path: str,
    fields: dict[str, str],
) -> None:
    gallery_id, ids = gallery_with_two(client)
    url, data = fill(path, fields, gallery_id, ids[1])
    for page in ("", "/edit", "/delete"):
        assert stranger_client.get(f"/nojs/galleries/{gallery_id}{page}").status_code == 404
    response = stranger_client.post(url, data=data | {"csrf_token": csrf_of(stranger_client)})
    assert response.status_code == 404
    assert "Mine" not in stranger_client.get("/nojs/galleries").text
    assert galleries.get(store_id=alice.store_id, gallery_id=gallery_id).title == "Mine"
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == ids


def test_colleague_of_the_same_store_shares_the_galleries(
    client: TestClient, other_client: TestClient
) -> None:
    gallery_id = new_gallery(client, "Shared")
    assert "Shared" in other_client.get("/nojs/galleries").text
    assert other_client.get(f"/nojs/galleries/{gallery_id}").status_code == 200


def test_step_two_can_put_the_image_in_a_gallery(
    client: TestClient, alice: CurrentUser, stranger_client: TestClient, galleries: GalleryService
) -> None:
    gallery_id = new_gallery(client, "Arrivals")
    upload(client)
    page = client.get("/nojs/images/upload/metadata").text
    assert '<label for="gallery_id">Add to gallery' in page
    assert f'<option value="{gallery_id}">Arrivals</option>' in page
    image_id = finished_image(client, "Placed", 5, gallery_id=str(gallery_id))
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == [image_id]


@pytest.mark.parametrize(
    "choice",
    ["foreign", "424242", "junk", "2147483648", "9223372036854775808", "99999999999999999999"],
)
def test_step_two_refuses_a_gallery_not_of_the_store(
    client: TestClient, stranger_client: TestClient, choice: str
) -> None:
    """Another store's, an unknown, a malformed and an id too large for the database."""
    foreign = new_gallery(stranger_client, "Theirs")
    value = {"foreign": str(foreign), "junk": "x1"}.get(choice, choice)
    upload(client)
    page = client.get("/nojs/images/upload/metadata").text
    token = re.search(r'name="upload_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/nojs/images/upload/metadata",
        data={
            "csrf_token": csrf_of(client),
            "upload_token": token.group(1),
            "title": "Kept title",
            "alt_text": "Alt",
            "gallery_id": value,
        },
    )
    assert response.headers["location"] == "/nojs/images/upload/metadata"  # still pending
    again = client.get("/nojs/images/upload/metadata").text
    assert GALLERY_ERROR in again
    assert 'value="Kept title"' in again
    assert "Theirs" not in again
