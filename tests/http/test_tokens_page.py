"""/nojs/tokens: list, create (the value shown once), revoke; CSRF on every form."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from tests.http.conftest import csrf_of, flash_of

TOKEN_VALUE = re.compile(r'id="new_token_value"[^>]*value="(imageapp_[^"]+)"')


def create(client: TestClient, name: str, scope: str = "read", csrf: str | None = None):
    token = csrf if csrf is not None else csrf_of(client, "/nojs/tokens")
    return client.post("/nojs/tokens", data={"csrf_token": token, "name": name, "scope": scope})


def test_create_shows_the_token_once(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    empty = client.get("/nojs/tokens")
    assert empty.status_code == 200
    assert "You have no tokens yet." in empty.text
    answer = create(client, "shop website", "write")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/nojs/tokens"
    page = client.get("/nojs/tokens")
    assert page.headers["cache-control"] == "no-store"
    found = TOKEN_VALUE.search(page.text)
    assert found, page.text
    value = found.group(1)
    assert "shown only this once" in html.unescape(page.text)
    assert "shop website" in page.text
    assert "Read and write" in page.text
    assert "Never" in page.text  # not used yet
    user = ApiTokenService(get_engine(app_settings.database_url)).user_for_token(value)
    assert user is not None
    assert (user.user.id, user.scope) == (alice.id, "write")
    again = client.get("/nojs/tokens")
    assert value not in again.text  # once only
    assert TOKEN_VALUE.search(again.text) is None
    assert "shop website" in again.text


def test_refused_name_keeps_the_form(client: TestClient) -> None:
    assert create(client, "   ").status_code == 303
    page = client.get("/nojs/tokens")
    assert "Name the token" in html.unescape(page.text)
    assert create(client, "site").status_code == 303
    client.get("/nojs/tokens")
    assert create(client, "site").status_code == 303
    assert "already have a token called 'site'" in html.unescape(client.get("/nojs/tokens").text)


def test_revoke(client: TestClient, app_settings: Settings, alice: CurrentUser) -> None:
    tokens = ApiTokenService(get_engine(app_settings.database_url))
    made = tokens.create(user_id=alice.id, name="old script", scope="read")
    page = client.get("/nojs/tokens")
    assert f'action="/nojs/tokens/{made.info.id}/revoke"' in page.text
    answer = client.post(
        f"/nojs/tokens/{made.info.id}/revoke", data={"csrf_token": csrf_of(client, "/nojs/tokens")}
    )
    assert answer.status_code == 303
    assert "Token 'old script' revoked" in flash_of(client, "/nojs/tokens")
    assert tokens.user_for_token(made.value) is None


def test_forms_need_the_csrf_token(
    client: TestClient, app_settings: Settings, alice: CurrentUser
) -> None:
    tokens = ApiTokenService(get_engine(app_settings.database_url))
    made = tokens.create(user_id=alice.id, name="kept", scope="read")
    assert create(client, "sneaky", csrf="forged").status_code == 403
    assert client.post("/nojs/tokens", data={"name": "sneaky"}).status_code == 403
    revoke = client.post(f"/nojs/tokens/{made.info.id}/revoke", data={"csrf_token": "forged"})
    assert revoke.status_code == 403
    assert [token.name for token in tokens.tokens_of(user_id=alice.id)] == ["kept"]


def test_someone_elses_token_cannot_be_revoked_or_seen(
    client: TestClient, stranger_client: TestClient, app_settings: Settings, carol: CurrentUser
) -> None:
    tokens = ApiTokenService(get_engine(app_settings.database_url))
    theirs = tokens.create(user_id=carol.id, name="carol's", scope="write")
    assert "carol" not in client.get("/nojs/tokens").text
    answer = client.post(
        f"/nojs/tokens/{theirs.info.id}/revoke",
        data={"csrf_token": csrf_of(client, "/nojs/tokens")},
    )
    assert answer.status_code == 303
    assert "no such token" in flash_of(client, "/nojs/tokens").lower()
    assert tokens.user_for_token(theirs.value) is not None
