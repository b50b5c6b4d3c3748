"""The JSON API against a real server on loopback (SQLite): every route, the error shape and
status codes, the upload flow, ETags, the rate limit, the docs without a CDN."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx
import pytest
from sqlmodel import Session, select

from imageapp.api.schemas import absolute
from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.models import ApiToken, Image
from imageapp.services.accounts import CurrentUser
from tests.conftest import require_redis
from tests.factories import RENDITIONS_PER_IMAGE
from tests.http.api_support import (
    api_client,
    new_token,
    upload_file,
    uploaded_image,
)
from tests.images import jpeg_bytes, png_bytes, truncated_jpeg
from tests.support.live_app import served_app


@pytest.fixture
def server(app_settings: Settings) -> Iterator[str]:
    with served_app() as base_url:
        yield base_url


@pytest.fixture
def writer(server: str, app_settings: Settings, alice: CurrentUser) -> Iterator[httpx.Client]:
    with api_client(server, new_token(app_settings.database_url, alice, "write")) as client:
        yield client


@pytest.fixture
def reader(server: str, app_settings: Settings, alice: CurrentUser) -> Iterator[httpx.Client]:
    with api_client(server, new_token(app_settings.database_url, alice, "read")) as client:
        yield client


def error_codes(response: httpx.Response) -> list[tuple[str | None, str]]:
    """(field, code) of every error; also checks the shape of an error answer."""
    body = response.json()
    assert set(body) == {"errors"}, body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
        assert error["message"], error
    return [(error["field"], error["code"]) for error in body["errors"]]


def image_rows(settings: Settings) -> list[Image]:
    with Session(get_engine(settings.database_url)) as session:
        return list(session.exec(select(Image)).all())


# -- the upload flow ----------------------------------------------------------------------------


def test_full_upload_through_the_api(writer: httpx.Client, app_settings: Settings) -> None:
    photo = jpeg_bytes(size=(640, 480), seed=7)
    step1 = upload_file(writer, photo)
    assert step1.status_code == 201, step1.text
    pending = step1.json()
    assert set(pending) == {"upload_token", "image_id", "preview_url", "duplicates"}
    assert pending["preview_url"] == f"/api/v1/uploads/{pending['upload_token']}/preview"

    preview = writer.get(pending["preview_url"].removeprefix("/api/v1"))
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/jpeg"
    assert preview.headers["cache-control"] == "no-store"

    gallery = writer.post("/galleries", json={"title": "Harbour"}).json()
    step2 = writer.post(
        f"/uploads/{pending['upload_token']}",
        json={
            "title": "Boats at dawn",
            "alt_text": "Fishing boats in the harbour at dawn",
            "description": "Early light.",
            "tags": ["boats", "Dawn"],
            "gallery_id": gallery["id"],
        },
    )
    assert step2.status_code == 201, step2.text
    image = step2.json()
    assert image["id"] == pending["image_id"]
    assert image["status"] == "active"
    assert image["slug"] == "boats-at-dawn"
    assert image["tags"] == ["boats", "dawn"]
    assert (image["width"], image["height"]) == (640, 480)
    assert len(image["renditions"]) == RENDITIONS_PER_IMAGE
    for rendition in image["renditions"]:
        assert set(rendition) == {"preset", "format", "width", "height", "url"}
        assert rendition["url"].startswith(f"/media/{image['id']}/{rendition['preset']}.")
    # The renditions the API lists can be fetched with the same token (a storefront's server).
    web = next(r for r in image["renditions"] if (r["preset"], r["format"]) == ("web", "webp"))
    fetched = httpx.get(
        str(writer.base_url).removesuffix("/api/v1/") + web["url"],
        headers={"Authorization": writer.headers["authorization"]},
    )
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/webp"
    assert writer.get(f"/galleries/{gallery['id']}").json()["image_ids"] == [image["id"]]
    # The token is spent: the upload is an image now.
    assert writer.get(pending["preview_url"].removeprefix("/api/v1")).status_code == 404

    # DELETE moves it to the trash: gone from the API and its media, back with a restore.
    assert writer.delete(f"/images/{image['id']}").status_code == 204
    assert writer.get(f"/images/{image['id']}").status_code == 404
    assert writer.delete(f"/images/{image['id']}").status_code == 404
    assert writer.get("/images").json()["total"] == 0
    assert writer.get(f"/galleries/{gallery['id']}").json()["image_ids"] == []
    media_url = str(writer.base_url).removesuffix("/api/v1/") + web["url"]
    bearer = {"Authorization": writer.headers["authorization"]}
    assert httpx.get(media_url, headers=bearer).status_code == 404
    trash = writer.get("/trash").json()
    assert [item["id"] for item in trash["items"]] == [image["id"]]
    assert trash["items"][0]["trashed_by"]  # the token's owner, by email
    assert "30 days" in trash["keeps"]
    [row] = image_rows(app_settings)
    assert row.trashed_at is not None
    restored = writer.post("/trash/restore", json={"image_ids": [image["id"], 999999]})
    assert restored.status_code == 200
    assert restored.json() == {"restored": [image["id"]], "message": "1 image restored."}
    assert writer.get(f"/images/{image['id']}").json()["title"] == image["title"]
    assert writer.get(f"/galleries/{gallery['id']}").json()["image_ids"] == [image["id"]]
    assert httpx.get(media_url, headers=bearer).status_code == 200
    again = writer.post("/trash/restore", json={"image_ids": [image["id"]]})
    assert again.json()["restored"] == []
    assert writer.post("/trash/restore", json={"image_ids": []}).status_code == 422


def test_cancel_a_pending_upload(writer: httpx.Client, app_settings: Settings) -> None:
    token = upload_file(writer).json()["upload_token"]
    assert writer.delete(f"/uploads/{token}").status_code == 204
    assert image_rows(app_settings) == []
    assert writer.get(f"/uploads/{token}/preview").status_code == 404
    again = writer.delete(f"/uploads/{token}")
    assert again.status_code == 404
    assert error_codes(again) == [(None, "not_found")]
    late = writer.post(f"/uploads/{token}", json={"title": "x", "alt_text": "y"})
    assert late.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"just some text, not an image", 415, "not_an_image"),
        (truncated_jpeg(), 422, None),
    ],
)
def test_step1_refusals_as_in_the_upload_page(
    writer: httpx.Client, app_settings: Settings, body: bytes, status: int, code: str | None
) -> None:
    response = upload_file(writer, body)
    assert response.status_code == status, response.text
    [(field, found)] = error_codes(response)
    assert field == "image_file"
    assert code is None or found == code
    assert image_rows(app_settings) == []


def test_step1_without_a_file(writer: httpx.Client) -> None:
    response = writer.post("/uploads", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_codes(response) == [("image_file", "no_file")]


def test_step1_too_large(
    app_settings: Settings, alice: CurrentUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGEAPP_MAX_UPLOAD_BYTES", "2000")
    get_settings.cache_clear()
    with served_app() as base, api_client(base, new_token(app_settings.database_url, alice)) as api:
        response = upload_file(api, jpeg_bytes(size=(400, 300)))
        assert response.status_code == 413
        assert error_codes(response) == [("image_file", "too_large")]
    assert image_rows(app_settings) == []


def test_step2_refused_keeps_the_upload(writer: httpx.Client) -> None:
    token = upload_file(writer).json()["upload_token"]
    refused = writer.post(f"/uploads/{token}", json={"title": "Only a title"})
    assert refused.status_code == 422
    assert error_codes(refused) == [("alt_text", "invalid")]
    bad_tags = writer.post(
        f"/uploads/{token}", json={"title": "t", "alt_text": "a", "tags": ["a,b"]}
    )
    assert bad_tags.status_code == 422
    assert str(error_codes(bad_tags)[0][0]).startswith("tags")
    no_gallery = writer.post(
        f"/uploads/{token}", json={"title": "t", "alt_text": "a", "gallery_id": 424242}
    )
    assert no_gallery.status_code == 422
    assert error_codes(no_gallery) == [("gallery_id", "invalid")]
    assert writer.get(f"/uploads/{token}/preview").status_code == 200
    done = writer.post(f"/uploads/{token}", json={"title": "t", "alt_text": "a"})
    assert done.status_code == 201


# -- images -------------------------------------------------------------------------------------


def test_list_filters_pagination_and_sorting(writer: httpx.Client) -> None:
    first = uploaded_image(writer, "Red boat", 1, tags=["boats"])
    second = uploaded_image(writer, "Blue sky", 2, description="a clear day")
    third = uploaded_image(writer, "Green boat", 3, tags=["boats"])
    listing = writer.get("/images", params={"page_size": 2})
    assert listing.status_code == 200
    body = listing.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"]) == (3, 1, 2)
    assert [item["id"] for item in body["items"]] == [third["id"], second["id"]]
    page2 = writer.get("/images", params={"page_size": 2, "page": 2}).json()
    assert [item["id"] for item in page2["items"]] == [first["id"]]
    past_the_end = writer.get("/images", params={"page_size": 2, "page": 99}).json()
    assert past_the_end["page"] == 2

    tagged = writer.get("/images", params={"tag": "boats"}).json()
    assert {item["id"] for item in tagged["items"]} == {first["id"], third["id"]}
    assert all(item["tags"] == ["boats"] for item in tagged["items"])
    found = writer.get("/images", params={"q": "clear"}).json()
    assert [item["id"] for item in found["items"]] == [second["id"]]

    assert writer.patch(f"/images/{second['id']}", json={"status": "inactive"}).status_code == 200
    active = writer.get("/images").json()
    assert second["id"] not in {item["id"] for item in active["items"]}
    inactive = writer.get("/images", params={"status": "inactive"}).json()
    assert [item["id"] for item in inactive["items"]] == [second["id"]]
    assert inactive["items"][0]["renditions"] == []  # not served while inactive
    assert inactive["items"][0]["url"] is None
    assert writer.get("/images", params={"status": "all"}).json()["total"] == 3

    gallery = writer.post("/galleries", json={"title": "Boats"}).json()
    order = [first["id"], third["id"]]  # not in it: an order names only the gallery's images
    assert (
        writer.put(f"/galleries/{gallery['id']}/images", json={"image_ids": order}).status_code
        == 200
    )
    assert writer.get("/images", params={"gallery": gallery["id"]}).json()["total"] == 0


def test_list_refuses_bad_values(writer: httpx.Client) -> None:
    for params in ({"status": "lost"}, {"page": 0}, {"page_size": 500}, {"tag": "x" * 51}):
        response = writer.get("/images", params=params)
        assert response.status_code == 422, params
        [(field, _)] = error_codes(response)
        assert field in params
    missing = writer.get("/images", params={"gallery": 777})
    assert missing.status_code == 404
    assert error_codes(missing) == [("gallery", "not_found")]


def test_patch_image_metadata(writer: httpx.Client) -> None:
    image = uploaded_image(writer, "Old title", 1, tags=["one"])
    other = uploaded_image(writer, "Other", 2)
    changed = writer.patch(
        f"/images/{image['id']}", json={"title": "New title", "tags": ["two", "three"]}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "New title"
    assert body["alt_text"] == image["alt_text"]  # fields not sent stay as they were
    assert body["tags"] == ["three", "two"]
    assert body["slug"] == image["slug"]
    clash = writer.patch(f"/images/{image['id']}", json={"slug": other["slug"]})
    assert clash.status_code == 422
    assert error_codes(clash) == [("slug", "invalid")]
    empty = writer.patch(f"/images/{image['id']}", json={"alt_text": ""})
    assert empty.status_code == 422
    unknown = writer.patch(f"/images/{image['id']}", json={"owner": "me"})
    assert unknown.status_code == 422
    assert writer.get(f"/images/{image['id']}").json()["title"] == "New title"


def rendition_sizes(image: dict) -> set[tuple[int, int]]:
    return {(item["width"], item["height"]) for item in image["renditions"]}


def test_patch_image_edit(writer: httpx.Client) -> None:
    image = uploaded_image(writer, "Edit me", 3)  # 64 x 48
    path = f"/images/{image['id']}"
    original = {"rotate": 0, "crop": None, "focal": None, "width": 64, "height": 48}
    assert image["edit"] == original
    assert rendition_sizes(image) == {(64, 48)}
    edit = {
        "rotate": 90,
        "crop": {"x": 4, "y": 0, "width": 40, "height": 48},
        "focal": {"x": 10, "y": 10},
    }
    changed = writer.patch(path, json={"edit": edit, "title": "Turned"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "Turned"
    assert body["edit"] == edit | {"width": 48, "height": 40}
    assert (body["width"], body["height"]) == (64, 48)  # the original's size stays
    assert rendition_sizes(body) == {(48, 40)}  # remade (the test queue runs jobs at once)
    assert {r["url"] for r in body["renditions"]}.isdisjoint(r["url"] for r in image["renditions"])
    assert writer.get(path).json()["edit"] == body["edit"]

    # Keys left out stay: turning back keeps the crop and the focal point.
    back = writer.patch(path, json={"edit": {"rotate": 0}})
    assert back.status_code == 200, back.text
    assert back.json()["edit"] == edit | {"rotate": 0, "width": 40, "height": 48}


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            {"crop": {"x": 30, "y": 0, "width": 40, "height": 10}},
            "edit.crop.width",
            "The crop goes past the right edge of the image (width 64 px).",
        ),
        ({"crop": {"x": 0, "y": 0, "width": 0, "height": 10}}, "edit.crop.width", None),
        ({"rotate": 45}, "edit.rotate", None),
        ({"focal": {"x": 0, "y": 48}}, "edit.focal.y", None),
        (
            {"crop": {"x": 10, "y": 10, "width": 10, "height": 10}, "focal": {"x": 0, "y": 12}},
            "edit.focal.x",
            "The focal point must be inside the crop.",
        ),
        ({"crop": {"x": "left", "y": 0, "width": 1, "height": 1}}, "edit.crop.x", None),
        ({"crop": {"x": 0, "y": 0, "width": 1}}, "edit.crop.height", None),
        ({"turn": 90}, "edit.turn", None),
    ],
)
def test_patch_image_bad_edits(
    writer: httpx.Client, edit: dict, field: str, message: str | None
) -> None:
    image = uploaded_image(writer, "Stays", 4)
    path = f"/images/{image['id']}"
    refused = writer.patch(path, json={"edit": edit, "title": "Not saved"})
    assert refused.status_code == 422, refused.text
    codes = error_codes(refused)
    assert [found for found, _code in codes] == [field]
    if message is not None:
        assert refused.json()["errors"][0]["message"] == message
        assert codes == [(field, "invalid")]
    now = writer.get(path).json()
    assert now["title"] == "Stays"  # nothing half-written: the metadata did not change either
    assert now["edit"] == image["edit"]
    assert now["renditions"] == image["renditions"]


def test_concurrent_partial_edits_keep_each_others_parts(writer: httpx.Client) -> None:
    """Two clients PATCH different parts of the edit at the same moment (a crop, a focal
    point): the keys one leaves out are the ones the other just saved, none lost."""
    image = uploaded_image(writer, "Both", 6)  # 64 x 48
    path = f"/images/{image['id']}"
    for side in (40, 36, 32, 28):
        crop = {"x": 0, "y": 0, "width": side, "height": side}
        focal = {"x": side // 2, "y": side // 3}
        barrier = threading.Barrier(2)

        def send(part: dict, barrier: threading.Barrier = barrier) -> int:
            barrier.wait()
            return writer.patch(path, json={"edit": part}).status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = list(pool.map(send, [{"crop": crop}, {"focal": focal}]))
        assert codes == [200, 200]
        now = writer.get(path).json()["edit"]
        assert (now["crop"], now["focal"]) == (crop, focal)


def test_patch_image_edit_reset(writer: httpx.Client) -> None:
    image = uploaded_image(writer, "Reset", 5)
    path = f"/images/{image['id']}"
    turned = writer.patch(path, json={"edit": {"rotate": 270, "focal": {"x": 1, "y": 2}}})
    assert turned.status_code == 200, turned.text
    assert rendition_sizes(turned.json()) == {(48, 64)}
    reset = writer.patch(path, json={"edit": {"rotate": 0, "crop": None, "focal": None}})
    assert reset.status_code == 200, reset.text
    assert reset.json()["edit"] == image["edit"]
    assert rendition_sizes(reset.json()) == {(64, 48)}
    listed = writer.get("/images").json()["items"]
    assert next(item for item in listed if item["id"] == image["id"])["edit"] == image["edit"]


def test_etag_and_304_on_images_and_galleries(writer: httpx.Client) -> None:
    image = uploaded_image(writer, "Tagged", 1)
    gallery = writer.post("/galleries", json={"title": "G"}).json()
    for path in (f"/images/{image['id']}", "/images", "/galleries", f"/galleries/{gallery['id']}"):
        first = writer.get(path)
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
        again = writer.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert writer.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    before = writer.get(f"/images/{image['id']}").headers["etag"]
    writer.patch(f"/images/{image['id']}", json={"title": "Changed"})
    after = writer.get(f"/images/{image['id']}", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before


# -- galleries ----------------------------------------------------------------------------------


def test_gallery_routes(writer: httpx.Client) -> None:
    a = uploaded_image(writer, "A", 1)
    b = uploaded_image(writer, "B", 2)
    created = writer.post("/galleries", json={"title": "Summer", "description": "Warm days"})
    assert created.status_code == 201, created.text
    gallery = created.json()
    assert (gallery["title"], gallery["slug"], gallery["image_ids"]) == ("Summer", "summer", [])
    refused = writer.post("/galleries", json={"title": ""})
    assert refused.status_code == 422
    assert error_codes(refused)[0] == ("title", "invalid")
    listed = writer.get("/galleries").json()
    assert [item["id"] for item in listed] == [gallery["id"]]

    # The UIs add images through the bulk action; then the API orders them.
    for image_id in (a["id"], b["id"]):
        uploaded = writer.get(f"/images/{image_id}")
        assert uploaded.status_code == 200
    gid = gallery["id"]
    token = upload_file(writer, jpeg_bytes(seed=9)).json()["upload_token"]
    c = writer.post(
        f"/uploads/{token}", json={"title": "C", "alt_text": "c", "gallery_id": gid}
    ).json()
    token = upload_file(writer, jpeg_bytes(seed=10)).json()["upload_token"]
    d = writer.post(
        f"/uploads/{token}", json={"title": "D", "alt_text": "d", "gallery_id": gid}
    ).json()
    assert writer.get(f"/galleries/{gid}").json()["image_ids"] == [c["id"], d["id"]]
    reordered = writer.put(
        f"/galleries/{gid}/images", json={"image_ids": [d["id"], c["id"], a["id"]]}
    )
    assert reordered.status_code == 200
    assert reordered.json()["image_ids"] == [d["id"], c["id"]]  # a is not in the gallery
    assert writer.get("/images", params={"gallery": gid}).json()["items"][0]["id"] == d["id"]
    bad_order = writer.put(f"/galleries/{gid}/images", json={"image_ids": [0]})
    assert bad_order.status_code == 422

    patched = writer.patch(f"/galleries/{gid}", json={"description": "Hot days"})
    assert patched.status_code == 200
    assert (patched.json()["title"], patched.json()["description"]) == ("Summer", "Hot days")
    assert writer.patch(f"/galleries/{gid}", json={"title": ""}).status_code == 422

    assert writer.delete(f"/galleries/{gid}").status_code == 204
    assert writer.get(f"/galleries/{gid}").status_code == 404
    assert writer.delete(f"/galleries/{gid}").status_code == 404
    assert writer.get(f"/images/{c['id']}").status_code == 200  # images stay


# -- who may call -------------------------------------------------------------------------------


def test_no_token_bad_token_and_cookie_sessions_get_401(
    server: str, app_settings: Settings, alice: CurrentUser
) -> None:
    with api_client(server, None) as anonymous:
        response = anonymous.get("/images")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert error_codes(response) == [(None, "unauthorized")]
    with api_client(server, "imageapp_" + uuid.uuid4().hex) as wrong:
        response = wrong.get("/images")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert error_codes(response) == [(None, "invalid_token")]
    with api_client(server, "not-even-our-format") as junk:
        assert junk.get("/galleries").status_code == 401
    # A logged-in browser's cookie is not a way in (so the API needs no CSRF token).
    browser = httpx.Client(base_url=server, follow_redirects=False)
    login = browser.get("/nojs/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf
    form = {"csrf_token": csrf.group(1), "email": alice.email, "password": "a long test password"}
    assert browser.post("/nojs/login", data=form).status_code == 303
    assert browser.get("/nojs/images").status_code == 200
    assert browser.get("/api/v1/images").status_code == 401
    assert browser.post("/api/v1/galleries", json={"title": "x"}).status_code == 401
    browser.close()


def test_read_token_reads_but_cannot_write(reader: httpx.Client, writer: httpx.Client) -> None:
    image = uploaded_image(writer, "Readable", 1)
    gallery = writer.post("/galleries", json={"title": "Readable"}).json()
    assert reader.get("/images").status_code == 200
    assert reader.get(f"/images/{image['id']}").status_code == 200
    assert reader.get("/galleries").status_code == 200
    assert reader.get(f"/galleries/{gallery['id']}").status_code == 200
    assert reader.get("/trash").status_code == 200
    attempts = [
        reader.post("/uploads", files={"image_file": ("p.jpg", jpeg_bytes(), "image/jpeg")}),
        reader.patch(f"/images/{image['id']}", json={"title": "x"}),
        reader.delete(f"/images/{image['id']}"),
        reader.post("/galleries", json={"title": "x"}),
        reader.patch(f"/galleries/{gallery['id']}", json={"title": "x"}),
        reader.put(f"/galleries/{gallery['id']}/images", json={"image_ids": []}),
        reader.delete(f"/galleries/{gallery['id']}"),
        reader.delete("/uploads/whatever"),
        reader.post("/trash/restore", json={"image_ids": [image["id"]]}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.request.url
        assert error_codes(response) == [(None, "read_only_token")]
    assert writer.get(f"/images/{image['id']}").json()["title"] == "Readable"


def test_malformed_addresses_and_bodies(writer: httpx.Client) -> None:
    for path in (
        "/images/abc",
        "/images/0",
        "/images/99999999999999999999",
        "/galleries/-1",
        "/nothing/here",
    ):
        response = writer.get(path)
        assert response.status_code == 404, path
        assert error_codes(response) == [(None, "not_found")]
    wrong_method = writer.put("/images")
    assert wrong_method.status_code == 405
    assert error_codes(wrong_method) == [(None, "method_not_allowed")]
    broken = writer.post(
        "/galleries", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    error_codes(broken)
    wrong_type = writer.post("/galleries", json={"title": 5})
    assert wrong_type.status_code == 422
    assert error_codes(wrong_type)[0][0] == "title"


@pytest.mark.parametrize("counter", ["database", "redis"])
def test_rate_limit_429_with_retry_after(
    app_settings: Settings, alice: CurrentUser, monkeypatch: pytest.MonkeyPatch, counter: str
) -> None:
    monkeypatch.setenv("IMAGEAPP_API_RATE_LIMIT_PER_MINUTE", "3")
    if counter == "redis":
        monkeypatch.setenv("IMAGEAPP_REDIS_URL", require_redis())
    get_settings.cache_clear()
    token = new_token(app_settings.database_url, alice, "read")
    other = new_token(app_settings.database_url, alice, "read", name="another")
    with served_app() as base, api_client(base, token) as api, api_client(base, other) as api2:
        answers = [api.get("/galleries") for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        refused = api.get("/galleries")
        if refused.status_code == 200:  # a window ended between the requests: once more
            refused = [api.get("/galleries") for _ in range(4)][-1]
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert error_codes(refused) == [(None, "rate_limited")]
        assert api2.get("/galleries").status_code == 200  # counted per token


def test_last_used_is_recorded_once_a_minute(reader: httpx.Client, app_settings: Settings) -> None:
    engine = get_engine(app_settings.database_url)
    with Session(engine) as session:
        assert session.exec(select(ApiToken)).one().last_used_at is None
    reader.get("/galleries")
    with Session(engine) as session:
        first = session.exec(select(ApiToken)).one().last_used_at
    assert first is not None
    reader.get("/galleries")
    with Session(engine) as session:
        assert session.exec(select(ApiToken)).one().last_used_at == first


def test_docs_and_openapi_are_served_without_a_cdn(server: str) -> None:
    with httpx.Client(base_url=server) as anonymous:
        schema = anonymous.get("/api/v1/openapi.json")
        assert schema.status_code == 200
        assert "/images/{image_id}" in schema.json()["paths"]
        page = anonymous.get("/api/v1/docs")
        assert page.status_code == 200
        assert "/api/v1/openapi.json" in page.text
        linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert linked
        assert all(url.startswith("/api/v1/docs/assets/") for url in linked), linked
        assert "https://" not in page.text
        assert "http://" not in page.text
        for url in linked:
            assert anonymous.get(url).status_code == 200, url


def test_absolute_urls_from_the_public_url() -> None:
    assert absolute(SimpleNamespace(), "/media/1") == "/media/1"  # type: ignore[arg-type]
    public = SimpleNamespace(public_url="https://photos.example.com/")
    assert absolute(public, "/media/1") == "https://photos.example.com/media/1"  # type: ignore[arg-type]


def test_png_uploads_too(writer: httpx.Client) -> None:
    image = uploaded_image_png(writer)
    assert image["mime_type"] == "image/png"


def uploaded_image_png(writer: httpx.Client) -> dict:
    token = upload_file(writer, png_bytes(), name="p.png").json()["upload_token"]
    return writer.post(f"/uploads/{token}", json={"title": "P", "alt_text": "p"}).json()


def test_json_bodies_are_bounded(writer: httpx.Client) -> None:
    big = b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = writer.post("/galleries", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert error_codes(declared) == [(None, "too_large")]
    streamed = writer.post(
        "/galleries", content=iter([big]), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert writer.get("/galleries").json() == []
