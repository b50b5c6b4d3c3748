"""Tokens and stores over the API, on SQLite and PostgreSQL: a token sees exactly its user's
store; another store's ids are 404 everywhere; read tokens cannot write; revoked is 401."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from tests.http.api_support import (
    api_client,
    new_token,
    new_user,
    upload_file,
    uploaded_image,
)
from tests.support.live_app import served_app


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with served_app() as base_url:
        yield base_url


@pytest.fixture
def alice(settings: Settings) -> CurrentUser:
    return new_user(settings.database_url, "alice@example.com", "Harbour Photos")


@pytest.fixture
def carol(settings: Settings) -> CurrentUser:
    return new_user(settings.database_url, "carol@example.com", "Meadow Studio")


def test_another_stores_ids_are_404_everywhere(
    server: str, settings: Settings, alice: CurrentUser, carol: CurrentUser
) -> None:
    url = settings.database_url
    with (
        api_client(server, new_token(url, alice)) as mine,
        api_client(server, new_token(url, carol)) as theirs,
    ):
        own = uploaded_image(mine, "Mine", 1)
        image = uploaded_image(theirs, "Theirs", 2)
        gallery = theirs.post("/galleries", json={"title": "Theirs"}).json()
        pending = upload_file(theirs).json()["upload_token"]

        assert [item["id"] for item in mine.get("/images").json()["items"]] == [own["id"]]
        assert mine.get("/galleries").json() == []
        assert mine.get("/images", params={"gallery": gallery["id"]}).status_code == 404
        attempts = [
            mine.get(f"/images/{image['id']}"),
            mine.patch(f"/images/{image['id']}", json={"title": "Taken"}),
            mine.patch(f"/images/{image['id']}", json={"status": "inactive"}),
            mine.delete(f"/images/{image['id']}"),
            mine.get(f"/galleries/{gallery['id']}"),
            mine.patch(f"/galleries/{gallery['id']}", json={"title": "Taken"}),
            mine.put(f"/galleries/{gallery['id']}/images", json={"image_ids": [own["id"]]}),
            mine.delete(f"/galleries/{gallery['id']}"),
            mine.get(f"/uploads/{pending}/preview"),
            mine.post(f"/uploads/{pending}", json={"title": "Taken", "alt_text": "x"}),
            mine.delete(f"/uploads/{pending}"),
        ]
        for response in attempts:
            assert response.status_code == 404, (response.request.method, response.request.url)
            assert response.json()["errors"][0]["code"] == "not_found"
        # My upload cannot go into their gallery either.
        token = upload_file(mine).json()["upload_token"]
        placed = mine.post(
            f"/uploads/{token}", json={"title": "t", "alt_text": "a", "gallery_id": gallery["id"]}
        )
        assert placed.status_code == 422
        assert placed.json()["errors"][0]["field"] == "gallery_id"
        # Nothing of theirs changed.
        assert theirs.get(f"/images/{image['id']}").json()["title"] == "Theirs"
        assert theirs.get(f"/galleries/{gallery['id']}").json()["title"] == "Theirs"
        assert theirs.get(f"/uploads/{pending}/preview").status_code == 200
        # Their media is not mine to fetch with my token.
        rendition = image["renditions"][0]["url"]
        with httpx.Client(base_url=server, headers=dict(mine.headers)) as media:
            assert media.get(rendition).status_code == 404
            assert media.get(own["renditions"][0]["url"]).status_code == 200


def test_colleagues_share_the_store(server: str, settings: Settings, alice: CurrentUser) -> None:
    bob = new_user(settings.database_url, "bob@example.com", alice.store_name)
    with (
        api_client(server, new_token(settings.database_url, alice)) as mine,
        api_client(server, new_token(settings.database_url, bob, "read")) as colleague,
    ):
        image = uploaded_image(mine, "Shared", 1)
        assert colleague.get(f"/images/{image['id']}").status_code == 200


def test_scopes_and_revoking(server: str, settings: Settings, alice: CurrentUser) -> None:
    tokens = ApiTokenService(get_engine(settings.database_url))
    read = tokens.create(user_id=alice.id, name="site", scope="read")
    write = tokens.create(user_id=alice.id, name="script", scope="write")
    with api_client(server, read.value) as reader, api_client(server, write.value) as writer:
        assert reader.get("/images").status_code == 200
        refused = reader.post("/galleries", json={"title": "x"})
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "read_only_token"
        assert writer.post("/galleries", json={"title": "x"}).status_code == 201

        tokens.revoke(user_id=alice.id, token_id=write.info.id)
        revoked = writer.get("/images")
        assert revoked.status_code == 401
        assert revoked.headers["www-authenticate"].startswith("Bearer")
        assert reader.get("/images").status_code == 200  # the other token still works
    listed = tokens.tokens_of(user_id=alice.id)
    assert [token.name for token in listed] == ["site"]
    assert listed[0].last_used_at is not None


def test_token_values_are_kept_only_as_hashes(settings: Settings, alice: CurrentUser) -> None:
    import sqlalchemy as sa

    made = ApiTokenService(get_engine(settings.database_url)).create(
        user_id=alice.id, name="x", scope="read"
    )
    with get_engine(settings.database_url).connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM api_token")).scalar_one()
    assert made.value not in stored
    assert len(stored) == 64
    assert made.value.startswith("imageapp_")
    assert len(made.value) > 40


def test_share_links_through_the_api(
    server: str, settings: Settings, alice: CurrentUser, carol: CurrentUser
) -> None:
    with (
        api_client(server, new_token(settings.database_url, alice)) as mine,
        api_client(server, new_token(settings.database_url, carol)) as theirs,
        api_client(server, new_token(settings.database_url, alice, "read")) as reader,
    ):
        image = uploaded_image(mine, "Shared", 1)
        gallery = mine.post("/galleries", json={"title": "Shared"}).json()
        made = mine.post(
            f"/images/{image['id']}/share-links",
            json={"expires_at": "2999-12-31", "allow_download": True},
        )
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["url"] == f"/s/{body['token']}"
        assert body["expires_at"].startswith("3000-01-01T00:00:00")
        assert body["allow_download"] is True
        with httpx.Client(base_url=server) as visitor:
            page = visitor.get(body["url"])
            assert page.status_code == 200
            assert image["alt_text"] in page.text
        on_gallery = mine.post(f"/galleries/{gallery['id']}/share-links", json={})
        assert on_gallery.status_code == 201
        assert on_gallery.json()["expires_at"] is None
        past = mine.post(f"/images/{image['id']}/share-links", json={"expires_at": "2000-01-01"})
        assert past.status_code == 422
        assert past.json()["errors"][0]["field"] == "expires_at"
        assert theirs.post(f"/images/{image['id']}/share-links", json={}).status_code == 404
        assert theirs.post(f"/galleries/{gallery['id']}/share-links", json={}).status_code == 404
        assert reader.post(f"/images/{image['id']}/share-links", json={}).status_code == 403
