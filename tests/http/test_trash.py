"""The trash without JavaScript: the page (thumbnail, when, by whom, the quota note), restore
(one, selected, all, and the library's "Undo" after a delete), delete forever through its
confirmation page, CSRF on every form, and no URL serving a trashed image."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.fallback.app import create_fallback_app
from imageapp.services.accounts import CurrentUser
from imageapp.services.backends import storage_for
from imageapp.services.galleries import GalleryService
from tests.http.conftest import (
    HIDDEN,
    bulk,
    csrf_of,
    empty_trash,
    finished_image,
    flash_of,
    move_to_trash,
    new_gallery,
    post_form,
    restore_from_trash,
)
from tests.stored import image_names


def every_route(routes: list[Any]) -> Iterator[tuple[str, APIRoute]]:
    """Every API route with its full path, through included routers too."""
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute):
            yield str(context.path), context.original_route


def trash_ids(client: TestClient) -> list[int]:
    page = client.get("/nojs/trash").text
    return [int(i) for i in re.findall(r'name="image_id" value="(\d+)"', page)]


def library_ids(client: TestClient, url: str = "/nojs/images?status=all") -> list[int]:
    page = client.get(url).text
    return [int(i) for i in re.findall(r'id="select_(\d+)" name="image_id"', page)]


def files(settings: Settings) -> set[str]:
    return set(image_names(storage_for(settings)))


@pytest.fixture
def galleries(app_settings: Settings) -> GalleryService:
    return GalleryService(get_engine(app_settings.database_url))


def test_the_trash_page_says_what_when_and_who(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    a, b = finished_image(client, "Quay", 1), finished_image(client, "Boats", 2)
    assert "The trash is empty." in client.get("/nojs/trash").text
    move_to_trash(client, [a])
    page = html.unescape(client.get("/nojs/trash").text)
    assert trash_ids(client) == [a]
    assert "Quay" in page
    assert "Boats" not in page
    assert "by alice@example.com" in page
    assert re.search(r"Deleted <time datetime=\"[\d\-T:.]+Z\">\d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
    assert "stay in the trash for 30 days" in page
    assert "still count against your store's image and storage limits" in page
    assert f'src="/nojs/trash/{a}/thumbnail"' in page
    thumbnail = client.get(f"/nojs/trash/{a}/thumbnail")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] in ("image/jpeg", "image/png")
    assert thumbnail.headers["cache-control"] == "private, no-store"
    assert client.get(f"/nojs/trash/{b}/thumbnail").status_code == 404  # not in the trash


def test_trashed_images_are_served_by_no_url_until_restored(
    client: TestClient, alice: CurrentUser
) -> None:
    image = finished_image(client, "Quay", 1)
    detail = client.get(f"/nojs/images/{image}").text
    served = sorted(set(re.findall(rf"/media/{image}[^\s\"]*", detail)))
    assert served
    assert all(client.get(url).status_code == 200 for url in served)
    move_to_trash(client, [image])
    for url in [*served, f"/media/{image}", f"/media/{image}/thumb.jpg", f"/nojs/images/{image}"]:
        assert client.get(url).status_code == 404, url
    assert image not in library_ids(client)
    restore_from_trash(client, [image])
    assert all(client.get(url).status_code == 200 for url in served)


def test_every_image_route_refuses_a_trashed_image(client: TestClient, alice: CurrentUser) -> None:
    """Every GET route of the fallback app taking an image id (today's and any added later):
    answers for the image, then 404 once it is in the trash. A route with a path parameter
    this test does not know fails it, so a new route cannot be forgotten."""
    image = finished_image(client, "Quay", 1)
    detail = client.get(f"/nojs/images/{image}").text
    rendition = re.search(rf"/media/{image}/([a-z]+\.[0-9a-f]+\.(?:avif|webp|jpg|png))", detail)
    assert rendition
    page = f"/nojs/images/{image}"  # a share link to it, for the /s/{token}/... routes
    shared = client.post(
        f"{page}/share", data={"csrf_token": csrf_of(client, page), "allow_download": "1"}
    )
    assert shared.status_code == 303
    link = re.search(
        r'id="new_share_url"[^>]*value="[^"]*/s/([A-Za-z0-9_-]+)"', client.get(page).text
    )
    assert link
    values = {"image_id": str(image), "name": rendition.group(1), "token": link.group(1)}
    routes = [
        (path, route)
        for path, route in every_route(create_fallback_app().routes)
        if "GET" in route.methods and "{image_id}" in path
    ]
    assert len(routes) >= 3  # the image page, the original, the renditions
    urls = []
    for path, route in routes:
        if route.name == "trash_thumbnail":
            continue  # the trash page's own picture: only for trashed images (tested above)
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        unknown = set(names) - set(values)
        assert not unknown, f"teach this test the parameters {unknown} of {path}"
        urls.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], path))
    # (the original's JPEG preview redirects a JPEG to the original itself: follow it)
    served = {url: client.get(url, follow_redirects=True).status_code for url in urls}
    assert served == dict.fromkeys(urls, 200)
    move_to_trash(client, [image])
    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 404)


def test_restore_one_selected_and_all(client: TestClient, alice: CurrentUser) -> None:
    a, b, c, d = (finished_image(client, f"p{n}", n) for n in range(4))
    move_to_trash(client, [a, b, c, d])
    assert library_ids(client) == []
    response = post_form(client, "/nojs/trash/restore", [("only", str(b)), ("image_id", str(a))])
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/trash"
    assert "1 image restored." in flash_of(client, "/nojs/trash")  # the button's one only
    assert library_ids(client) == [b]
    restore_from_trash(client, [a, c])
    assert "2 images restored." in flash_of(client, "/nojs/trash")
    restore_from_trash(client, [], scope="all")
    assert "1 image restored." in flash_of(client, "/nojs/trash")
    assert library_ids(client) == [d, c, b, a]
    restore_from_trash(client, [a])  # sent again
    assert "Nothing to restore" in flash_of(client, "/nojs/trash")
    restore_from_trash(client, [])
    assert "Select one or more images first." in flash_of(client, "/nojs/trash")


def test_undo_after_a_bulk_delete_restores_exactly_those(
    client: TestClient, alice: CurrentUser, galleries: GalleryService
) -> None:
    a, b, c = (finished_image(client, f"p{n}", n) for n in range(3))
    summer = new_gallery(client, "Summer")
    bulk(client, [a, b, c], "add_to_gallery", gallery_id=str(summer))
    move_to_trash(client, [a])
    response = move_to_trash(client, [b, c], back="/nojs/images?q=p")
    assert response.headers["location"] == "/nojs/images?q=p"
    page = client.get("/nojs/images?q=p").text
    assert "2 images moved to the trash." in html.unescape(page)
    undo = re.search(
        r'<form method="post" action="/nojs/trash/restore" class="undo".*?</form>', page, re.S
    )
    assert undo
    assert "Undo" in undo.group(0)
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(undo.group(0))]
    assert [value for name, value in fields if name == "image_id"] == [str(b), str(c)]
    assert 'class="undo"' not in client.get("/nojs/images").text  # offered once, right after
    response = client.post(
        "/nojs/trash/restore",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.headers["location"] == "/nojs/images?q=p"
    assert "2 images restored." in flash_of(client)
    assert library_ids(client) == [c, b]
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=summer) == [b, c]
    assert trash_ids(client) == [a]


def test_delete_forever_asks_first_then_removes_rows_and_files(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    kept = finished_image(client, "Kept", 1)
    kept_files = files(app_settings)
    gone = finished_image(client, "Gone", 2)
    move_to_trash(client, [gone])
    assert files(app_settings) > kept_files  # still in the trash
    asked = post_form(client, "/nojs/trash/delete", [("image_id", str(gone))])
    assert asked.status_code == 200
    assert "Delete 1 image forever?" in asked.text
    assert "this cannot be undone" in asked.text
    assert trash_ids(client) == [gone]  # nothing happened yet
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(asked.text)]
    assert ("confirmed", "yes") in fields
    response = client.post(
        "/nojs/trash/delete",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert "1 image deleted forever." in flash_of(client, "/nojs/trash")
    assert trash_ids(client) == []
    assert files(app_settings) == kept_files
    assert library_ids(client) == [kept]
    client.post(  # the confirmation sent twice
        "/nojs/trash/delete",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "Nothing deleted" in flash_of(client, "/nojs/trash")


def test_emptying_the_trash_asks_first(client: TestClient, app_settings: Settings) -> None:
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    move_to_trash(client, [a, b])
    asked = post_form(client, "/nojs/trash/delete", [("scope", "all")])
    assert "Delete 2 images forever?" in asked.text
    assert empty_trash(client).status_code == 303
    assert "2 images deleted forever." in flash_of(client, "/nojs/trash")
    assert files(app_settings) == set()
    empty = post_form(client, "/nojs/trash/delete", [("scope", "all")])
    assert empty.status_code == 303
    assert "The trash is empty." in flash_of(client, "/nojs/trash")


def test_another_store_cannot_see_or_touch_the_trash(
    client: TestClient, stranger_client: TestClient
) -> None:
    image = finished_image(client, "Mine", 1)
    move_to_trash(client, [image])
    assert trash_ids(stranger_client) == []
    assert stranger_client.get(f"/nojs/trash/{image}/thumbnail").status_code == 404
    restore_from_trash(stranger_client, [image])
    post_form(stranger_client, "/nojs/trash/delete", [("image_id", str(image))])
    post_form(
        stranger_client,
        "/nojs/trash/delete",
        [("image_id", str(image)), ("confirmed", "yes")],
    )
    assert trash_ids(client) == [image]


@pytest.mark.parametrize("path", ["/nojs/trash/restore", "/nojs/trash/delete"])
def test_csrf_on_every_trash_form(client: TestClient, path: str) -> None:
    image = finished_image(client, "a", 1)
    move_to_trash(client, [image])
    for token in ([], [("csrf_token", "forged")]):
        response = client.post(
            path,
            content=urlencode([*token, ("image_id", str(image)), ("confirmed", "yes")]),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 403
    assert trash_ids(client) == [image]


def test_the_trash_needs_a_login(anonymous: TestClient) -> None:
    response = anonymous.get("/nojs/trash")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/nojs/login")


def test_gallery_deletion_says_it_is_final(client: TestClient) -> None:
    gallery = new_gallery(client, "Summer")
    page = client.get(f"/nojs/galleries/{gallery}/delete").text
    assert (
        "Deleting a gallery is final: it does not go to the trash and cannot be restored." in page
    )


def test_one_image_is_deleted_from_its_own_page(client: TestClient) -> None:
    image = finished_image(client, "Quay", 1)
    page = client.get(f"/nojs/images/{image}").text
    form = re.search(r'<form method="post" action="/nojs/images/bulk">.*?</form>', page, re.S)
    assert form
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(form.group(0))]
    asked = client.post(
        "/nojs/images/bulk",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "Move 1 image to the trash?" in asked.text
    confirmed = [(name, html.unescape(value)) for name, value in HIDDEN.findall(asked.text)]
    client.post(
        "/nojs/images/bulk/delete",
        content=urlencode(confirmed),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert trash_ids(client) == [image]
    assert client.get(f"/nojs/images/{image}").status_code == 404
