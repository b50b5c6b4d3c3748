"""The library without JavaScript: filters, checkboxes, every bulk action, the delete
confirmation, CSRF, store scoping, and a selection of 500 images in one request."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.fallback.routes_bulk import MAX_BULK_FIELDS
from imageapp.services.accounts import CurrentUser
from imageapp.services.backends import storage_for
from imageapp.services.galleries import GalleryService
from imageapp.services.library import LibraryFilter, list_images
from tests.http.conftest import (
    bulk,
    empty_trash,
    finished_image,
    flash_of,
    new_gallery,
    restore_from_trash,
    stored_images,
)
from tests.stored import image_names

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages


@pytest.fixture
def galleries(app_settings: Settings) -> GalleryService:
    return GalleryService(get_engine(app_settings.database_url))


def statuses(settings: Settings, user: CurrentUser) -> dict[int, str]:
    with Session(get_engine(settings.database_url)) as session:
        found = list_images(
            session, store_id=user.store_id, filters=LibraryFilter(status="all"), page_size=1000
        )
    return {image.id: image.status for image in found.items}


def listed(client: TestClient, url: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="image_id" value="(\d+)"', client.get(url).text)]


def checked(client: TestClient, url: str) -> list[int]:
    html = client.get(url).text
    return [int(i) for i in re.findall(r'name="image_id" value="(\d+)" checked', html)]


def test_set_inactive_then_active(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    response = bulk(client, [a, b], "set_inactive")
    assert response.status_code == 303
    assert response.headers["location"] == "/nojs/images"
    assert "2 images set inactive" in flash_of(client)
    assert statuses(app_settings, alice) == {a: "inactive", b: "inactive"}
    assert client.get(f"/media/{a}").status_code == 404  # gone from media at once
    assert listed(client, "/nojs/images") == []
    page = client.get("/nojs/images?status=inactive").text
    assert "2 images match these filters" in page
    assert "Inactive: not shown anywhere" in page
    assert f'src="/media/{a}' not in page  # a placeholder, never a broken <img>
    bulk(client, [a], "set_active")
    assert "1 image set active." in flash_of(client)
    assert client.get(f"/media/{a}").status_code == 200
    assert listed(client, "/nojs/images?status=all") == [b, a]


def test_add_to_and_remove_from_a_gallery(
    client: TestClient, alice: CurrentUser, galleries: GalleryService
) -> None:
    summer = new_gallery(client, "Summer")
    ids = [finished_image(client, f"p{n}", n) for n in range(3)]
    bulk(client, ids[:1], "add_to_gallery", gallery_id=str(summer))
    bulk(client, ids, "add_to_gallery", gallery_id=str(summer))
    assert "2 images added to 'Summer'. 1 image was there already." in flash_of(client)
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=summer) == ids
    bulk(client, ids[1:], "remove_from_gallery", gallery_id=str(summer))
    assert "2 images taken out of 'Summer'." in flash_of(client)
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=summer) == ids[:1]


def test_add_tags_then_filter_by_tag(client: TestClient) -> None:
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    bulk(client, [a], "add_tags", tags="Beach, summer")
    assert "Tags beach, summer added to 1 image." in flash_of(client)
    assert listed(client, "/nojs/images?tag=beach") == [a]
    assert listed(client, "/nojs/images") == [b, a]


def test_delete_asks_first_naming_images_and_galleries(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    gallery = new_gallery(client, "Summer")
    other = new_gallery(client, "Best of")
    a, b, kept = (finished_image(client, f"p{n}", n) for n in range(3))
    bulk(client, [a, b, kept], "add_to_gallery", gallery_id=str(gallery))
    bulk(client, [a], "add_to_gallery", gallery_id=str(other))
    storage = storage_for(app_settings)
    files_before = len(image_names(storage))
    confirm = bulk(client, [a, b], "delete", back="/nojs/images?q=p")
    assert confirm.status_code == 200
    assert "Move 2 images to the trash?" in confirm.text
    assert "They are in 2 galleries, which keep their place for them." in confirm.text
    assert "stay in the trash for 30 days" in confirm.text
    assert statuses(app_settings, alice) == {a: "active", b: "active", kept: "active"}
    hidden = re.findall(r'<input type="hidden" name="image_id" value="(\d+)">', confirm.text)
    assert hidden == [str(a), str(b)]
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token
    back = re.search(r'name="back" value="([^"]+)"', confirm.text)
    assert back
    assert back.group(1) == "/nojs/images?q=p"
    response = client.post(
        "/nojs/images/bulk/delete",
        content=urlencode(
            [("csrf_token", token.group(1)), ("back", back.group(1))]
            + [("image_id", i) for i in hidden]
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.headers["location"] == "/nojs/images?q=p"
    assert "2 images moved to the trash." in flash_of(client)
    assert statuses(app_settings, alice) == {kept: "active"}
    assert client.get(f"/media/{a}").status_code == 404
    listing = client.get("/nojs/galleries").text
    assert "1 image<" in listing  # Summer shows one
    assert "0 images<" in listing  # Best of shows none, still there
    # Delete now means "to the trash": the files stay until the trash is emptied for good.
    assert len(image_names(storage)) == files_before
    empty_trash(client)
    assert "2 images deleted forever." in flash_of(client, "/nojs/trash")
    assert len(image_names(storage)) == files_before // 3  # kept's files only


def test_csrf_on_both_bulk_posts(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    a = finished_image(client, "a", 1)
    for path in ("/nojs/images/bulk", "/nojs/images/bulk/delete"):
        for token in ([], [("csrf_token", "forged")]):
            response = client.post(
                path,
                content=urlencode([*token, ("action", "set_inactive"), ("image_id", str(a))]),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 403
    assert statuses(app_settings, alice) == {a: "active"}


def test_a_selection_of_500_images_in_one_request(
    client: TestClient, alice: CurrentUser, app_settings: Settings, galleries: GalleryService
) -> None:
    ids = stored_images(app_settings, alice, 500)
    gallery = new_gallery(client, "Big")
    response = bulk(client, ids, "add_to_gallery", gallery_id=str(gallery))
    assert response.status_code == 303
    assert "500 images added to 'Big'." in flash_of(client)
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery) == ids
    bulk(client, ids, "set_inactive")
    assert "500 images set inactive" in flash_of(client)
    confirm = bulk(client, ids, "delete")
    assert "Move 500 images to the trash?" in confirm.text
    assert "They are in 1 gallery" in confirm.text
    hidden = re.findall(r'<input type="hidden" name="image_id" value="(\d+)">', confirm.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token
    assert len(hidden) == 500
    response = client.post(
        "/nojs/images/bulk/delete",
        content=urlencode([("csrf_token", token.group(1))] + [("image_id", i) for i in hidden]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert "500 images moved to the trash." in flash_of(client)
    assert statuses(app_settings, alice) == {}
    assert restore_from_trash(client, ids).status_code == 303
    assert "500 images restored." in flash_of(client, "/nojs/trash")
    assert set(statuses(app_settings, alice)) == set(ids)
    bulk(client, ids, "delete")
    client.post(
        "/nojs/images/bulk/delete",
        content=urlencode([("csrf_token", token.group(1))] + [("image_id", i) for i in hidden]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    empty_trash(client)
    assert "500 images deleted forever." in flash_of(client, "/nojs/trash")
    assert image_names(storage_for(app_settings)) == []


def test_a_form_past_the_cap_is_refused_and_changes_nothing(
    client: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    a = finished_image(client, "a", 1)
    response = bulk(client, [a] * MAX_BULK_FIELDS, "set_inactive")
    assert response.status_code == 413
    assert statuses(app_settings, alice) == {a: "active"}


def test_foreign_and_unknown_ids_are_ignored_and_reported(
    client: TestClient,
    stranger_client: TestClient,
    alice: CurrentUser,
    carol: CurrentUser,
    app_settings: Settings,
) -> None:
    mine = finished_image(client, "mine", 1)
    theirs = finished_image(stranger_client, "theirs", 2)
    bulk(client, [mine, theirs, 424242], "set_inactive")
    assert "1 image set inactive" in (message := flash_of(client))
    assert "2 images were not in your library and left alone." in message
    assert statuses(app_settings, carol) == {theirs: "active"}
    confirm = bulk(client, [theirs, "junk"], "delete")
    assert confirm.headers["location"] == "/nojs/images"
    assert "None of the selected images is in your library." in flash_of(client)
    confirm = bulk(client, [mine, theirs], "delete")
    assert "Move 1 image to the trash?" in confirm.text
    assert "1 more selected image is not in your library" in confirm.text
    assert f'name="image_id" value="{theirs}"' not in confirm.text
    assert statuses(app_settings, carol) == {theirs: "active"}


@pytest.mark.parametrize(
    ("action", "fields", "field", "message"),
    [
        ("", {}, "action", "Choose what to do with the selected images."),
        ("explode", {}, "action", "Choose what to do with the selected images."),
        ("add_to_gallery", {}, "gallery_id", "Choose a gallery first."),
        ("remove_from_gallery", {"gallery_id": "x"}, "gallery_id", "Choose a gallery first."),
        ("add_to_gallery", {"gallery_id": "424242"}, "gallery_id", "There is no such gallery"),
        ("add_tags", {"tags": " , "}, "tags", "Enter one or more tags"),
        ("add_tags", {"tags": "x" * 60}, "tags", "Give 1 to 20 tags"),
    ],
)
def test_refused_forms_show_the_error_by_its_field_and_keep_the_choice(
    client: TestClient, action: str, fields: dict[str, str], field: str, message: str
) -> None:
    a, b = finished_image(client, "a", 1), finished_image(client, "b", 2)
    response = bulk(client, [a], action, back="/nojs/images?status=all", **fields)
    assert response.headers["location"] == "/nojs/images?status=all#bulk"
    page = client.get("/nojs/images?status=all").text
    assert f'id="bulk_{field}_error">{message}' in page.replace("&#39;", "'")
    assert f'name="image_id" value="{a}" checked' in page  # the selection is kept
    assert f'name="image_id" value="{b}" checked' not in page
    if action == "add_tags":
        assert f'value="{fields["tags"]}"' in page
    assert checked(client, "/nojs/images") == []  # kept once only


def test_nothing_selected(client: TestClient) -> None:
    finished_image(client, "a", 1)
    assert bulk(client, [], "set_inactive").headers["location"] == "/nojs/images#bulk"
    assert "Select one or more images first." in flash_of(client)


def test_another_stores_gallery_is_not_a_target(
    client: TestClient, stranger_client: TestClient, galleries: GalleryService, carol: CurrentUser
) -> None:
    theirs = new_gallery(stranger_client, "Theirs")
    a = finished_image(client, "a", 1)
    bulk(client, [a], "add_to_gallery", gallery_id=str(theirs))
    assert "There is no such gallery in your store." in flash_of(client)
    assert galleries.image_ids(store_id=carol.store_id, gallery_id=theirs) == []


def test_back_only_to_the_library(client: TestClient) -> None:
    a = finished_image(client, "a", 1)
    for back in ("https://evil.example/", "//evil.example", "/nojs/users"):
        response = bulk(client, [a], "set_active", back=back)
        assert response.headers["location"] == "/nojs/images"


def test_select_all_on_this_page(client: TestClient, app_settings: Settings) -> None:
    app_settings.page_size = 2
    ids = [finished_image(client, f"p{n}", n) for n in range(3)]
    page = client.get("/nojs/images").text
    assert 'href="/nojs/images?select=all">Select all on this page</a>' in page
    assert checked(client, "/nojs/images") == []
    assert checked(client, "/nojs/images?select=all") == [ids[2], ids[1]]
    assert checked(client, "/nojs/images?page=2&select=all") == [ids[0]]


def test_filters_count_and_pagination_keep_each_other(
    client: TestClient, app_settings: Settings
) -> None:
    summer = new_gallery(client, "Summer")
    beach = [finished_image(client, f"Beach {n}", n, tags="sea") for n in range(3)]
    other = finished_image(client, "Forest", 9, description="Trees by the beach")
    bulk(client, [beach[0], beach[2]], "add_to_gallery", gallery_id=str(summer))
    bulk(client, [beach[1]], "set_inactive")
    assert listed(client, f"/nojs/images?gallery={summer}") == [beach[0], beach[2]]
    assert listed(client, "/nojs/images?tag=SEA") == [beach[2], beach[0]]
    assert listed(client, "/nojs/images?tag=sea&status=all") == beach[::-1]
    assert listed(client, "/nojs/images?q=beach") == [other, beach[2], beach[0]]
    assert listed(client, "/nojs/images?q=trees") == [other]
    assert "No images match these filters." in client.get("/nojs/images?q=nothing").text
    app_settings.page_size = 1
    page = client.get("/nojs/images?q=beach&status=all").text
    assert "4 images match these filters, page 1 of 4" in page
    assert 'href="/nojs/images?status=all&amp;q=beach&amp;page=2" rel="next"' in page
    assert 'value="beach"' in page
    assert '<option value="all" selected>All</option>' in page
    back = re.search(r'name="back" value="([^"]+)"', page)
    assert back
    assert back.group(1) == "/nojs/images?status=all&amp;q=beach"


@pytest.mark.parametrize("query", ["page=abc", "status=pending", "gallery=-1", "page=1e9"])
def test_odd_queries_fall_back_to_defaults(client: TestClient, query: str) -> None:
    assert client.get(f"/nojs/images?{query}").status_code == 200
