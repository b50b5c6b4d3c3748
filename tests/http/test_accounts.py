"""Accounts over HTTP: setup, login/logout, throttling, and access control on EVERY route."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

from imageapp.config import Settings
from imageapp.fallback.app import create_fallback_app
from imageapp.services.accounts import MAX_FAILURES_PER_ACCOUNT, AccountService, CurrentUser
from imageapp.services.uploads import UploadService
from imageapp.session_cookie import COOKIE_NAME, SessionCodec
from tests.http.conftest import PASSWORD, complete, csrf_of, log_in, upload

# Every route of the fallback and what an anonymous visitor gets. A new route without a row
# here fails test_every_route_is_listed: decide its access rule, then add it.
ANONYMOUS = {
    ("GET", "/nojs"): 303,
    ("GET", "/nojs/"): 303,
    ("GET", "/nojs/images"): "login",
    ("GET", "/nojs/images/{image_id}"): "login",
    ("GET", "/nojs/images/upload"): "login",
    ("POST", "/nojs/images/upload"): "login",
    ("GET", "/nojs/images/upload/metadata"): "login",
    ("POST", "/nojs/images/upload/metadata"): "login",
    ("POST", "/nojs/images/upload/cancel"): "login",
    ("POST", "/nojs/images/upload/different"): "login",
    ("GET", "/nojs/images/upload/preview"): "login",
    ("GET", "/media/{image_id}"): 404,
    ("GET", "/media/{image_id}/{name}"): 404,
    ("GET", "/media/{image_id}/original-preview.jpg"): 404,
    ("GET", "/nojs/setup"): 404,
    ("POST", "/nojs/setup"): 403,  # no CSRF token; with one: 404 once set up
    ("GET", "/nojs/login"): 200,
    ("POST", "/nojs/login"): 403,
    ("POST", "/nojs/logout"): 403,
    ("GET", "/nojs/users"): "login",
    ("POST", "/nojs/users"): "login",
    ("POST", "/nojs/images/bulk"): "login",
    ("POST", "/nojs/images/bulk/delete"): "login",
    ("GET", "/nojs/galleries"): "login",
    ("POST", "/nojs/galleries"): "login",
    ("GET", "/nojs/galleries/{gallery_id}"): "login",
    ("GET", "/nojs/galleries/{gallery_id}/edit"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/edit"): "login",
    ("GET", "/nojs/galleries/{gallery_id}/delete"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/delete"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/move"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/featured"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/remove"): "login",
    ("GET", "/nojs/tokens"): "login",
    ("POST", "/nojs/tokens"): "login",
    ("POST", "/nojs/tokens/{token_id}/revoke"): "login",
    ("POST", "/nojs/galleries/{gallery_id}/share"): "login",
    ("POST", "/nojs/images/{image_id}/share"): "login",
    ("POST", "/nojs/images/{image_id}/edit"): "login",
    ("POST", "/nojs/share-links/{link_id}/revoke"): "login",
    # Share links: public, but an unknown token is nothing (tests/http/test_share_pages.py).
    ("GET", "/s/{token}"): 404,
    ("POST", "/s/{token}"): 403,  # no CSRF token
    ("GET", "/s/{token}/media/{image_id}/{name}"): 404,
    ("GET", "/s/{token}/download/{image_id}"): 404,
    # The JSON API: a bearer token or nothing (its own tests: tests/http/test_api_*.py).
    ("GET", "/api/v1/openapi.json"): 200,
    ("GET", "/api/v1/docs"): 200,
    ("POST", "/api/v1/uploads"): 401,
    ("GET", "/api/v1/uploads/{token}/preview"): 401,
    ("POST", "/api/v1/uploads/{token}"): 401,
    ("DELETE", "/api/v1/uploads/{token}"): 401,
    ("GET", "/api/v1/images"): 401,
    ("GET", "/api/v1/images/{image_id}"): 401,
    ("PATCH", "/api/v1/images/{image_id}"): 401,
    ("DELETE", "/api/v1/images/{image_id}"): 401,
    ("GET", "/api/v1/galleries"): 401,
    ("POST", "/api/v1/galleries"): 401,
    ("GET", "/api/v1/galleries/{gallery_id}"): 401,
    ("PATCH", "/api/v1/galleries/{gallery_id}"): 401,
    ("DELETE", "/api/v1/galleries/{gallery_id}"): 401,
    ("PUT", "/api/v1/galleries/{gallery_id}/images"): 401,
    ("POST", "/api/v1/galleries/{gallery_id}/share-links"): 401,
    ("POST", "/api/v1/images/{image_id}/share-links"): 401,
    ("GET", "/api/v1/trash"): 401,
    ("POST", "/api/v1/trash/restore"): 401,
    # Resumable uploads (tests/http/test_tus_*.py): OPTIONS is open; the rest asks for
    # Tus-Resumable first (412), the result a login (401).
    ("OPTIONS", "/tus/"): 204,
    ("OPTIONS", "/tus"): 204,
    ("OPTIONS", "/tus/{upload_id}"): 204,
    ("POST", "/tus/"): 412,
    ("POST", "/tus"): 412,
    ("PATCH", "/tus/{upload_id}"): 412,
    ("DELETE", "/tus/{upload_id}"): 412,
    ("GET", "/tus/{upload_id}"): 401,
    ("GET", "/nojs/trash"): "login",
    ("GET", "/nojs/trash/{image_id}/thumbnail"): "login",
    ("POST", "/nojs/trash/restore"): "login",
    ("POST", "/nojs/trash/delete"): "login",
}


def routes() -> set[tuple[str, str]]:
    """(method, path) of every route the fallback app really answers, included routers and
    the mounted API too."""
    return _routes(create_fallback_app().routes, "")


def _routes(app_routes: list[BaseRoute], prefix: str) -> set[tuple[str, str]]:
    found = set()
    for context in iter_route_contexts(app_routes):
        route = context.original_route
        if isinstance(route, APIRoute | Route):
            methods = (route.methods or set()) - {"HEAD"}
            found |= {(method, prefix + str(context.path)) for method in methods}
        elif isinstance(route, Mount) and prefix + route.path == "/api/v1":
            found |= _routes(route.routes, "/api/v1")
        elif isinstance(route, Mount):
            allowed = ("/nojs/static", "/api/v1/docs/assets")
            assert prefix + route.path in allowed, f"unexpected mount {route.path}"
        else:
            raise AssertionError(f"unexpected route {route!r}")
    return found


def concrete(path: str) -> str:
    return (
        path.replace("{image_id}", "1")
        .replace("{name}", "thumb.webp")
        .replace("{gallery_id}", "1")
        .replace("{token_id}", "1")
        .replace("{link_id}", "1")
        .replace("{token}", "abc")
        .replace("{upload_id}", "0" * 32)
    )


def test_every_route_is_listed(app_settings: Settings) -> None:
    assert routes() == set(ANONYMOUS)


@pytest.mark.parametrize(("method", "path"), sorted(ANONYMOUS))
def test_anonymous_access(
    anonymous: TestClient, alice: CurrentUser, method: str, path: str
) -> None:
    response = anonymous.request(method, concrete(path))
    expected = ANONYMOUS[(method, path)]
    if expected == "login":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/nojs/login?next=")
    else:
        assert response.status_code == expected


def test_login_keeps_where_you_were_going(anonymous: TestClient, alice: CurrentUser) -> None:
    response = anonymous.get("/nojs/images/upload")
    assert response.headers["location"] == "/nojs/login?next=/nojs/images/upload"
    page = anonymous.get(response.headers["location"])
    assert 'name="next" value="/nojs/images/upload"' in page.text
    answer = anonymous.post(
        "/nojs/login",
        data={
            "csrf_token": csrf_of(anonymous, "/nojs/login"),
            "email": alice.email,
            "password": PASSWORD,
            "next": "/nojs/images/upload",
        },
    )
    assert answer.headers["location"] == "/nojs/images/upload"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_next_never_leaves_the_site(anonymous: TestClient, alice: CurrentUser, target: str) -> None:
    answer = anonymous.post(
        "/nojs/login",
        data={
            "csrf_token": csrf_of(anonymous, "/nojs/login"),
            "email": alice.email,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert answer.headers["location"] == "/nojs/images"


def test_wrong_password_is_refused_with_a_message(
    anonymous: TestClient, alice: CurrentUser
) -> None:
    response = log_in(anonymous, alice.email, "not the password")
    assert response.status_code == 303
    page = anonymous.get(response.headers["location"])
    assert "Wrong email or password." in page.text
    assert f'value="{alice.email}"' in page.text
    assert anonymous.get("/nojs/images").status_code == 303  # still logged out


def test_throttling_after_repeated_failures(anonymous: TestClient, alice: CurrentUser) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        log_in(anonymous, alice.email, "wrong")
    response = log_in(anonymous, alice.email)  # the right password, too late
    page = anonymous.get(response.headers["location"])
    assert "Too many failed attempts" in page.text
    assert anonymous.get("/nojs/images").status_code == 303


def session_of(client: TestClient, settings: Settings) -> dict[str, object]:
    return SessionCodec(settings.resolved_secret_key()).decode(client.cookies[COOKIE_NAME]) or {}


def test_login_gives_a_new_session(
    anonymous: TestClient, alice: CurrentUser, app_settings: Settings
) -> None:
    anonymous.get("/nojs/login")
    before = session_of(anonymous, app_settings)
    log_in(anonymous, alice.email)
    after = session_of(anonymous, app_settings)
    assert before["csrf"] != after.get("csrf")
    assert "auth" not in before
    assert after["auth"]
    assert not set(before.items()) & set(after.items())  # nothing of the old session is kept


def test_logout_ends_the_session_for_real(
    client: TestClient, app_settings: Settings, accounts: AccountService
) -> None:
    token = session_of(client, app_settings)["auth"]
    stolen_cookie = client.cookies[COOKIE_NAME]
    response = client.post("/nojs/logout", data={"csrf_token": csrf_of(client, "/nojs/images")})
    assert response.headers["location"] == "/nojs/login"
    assert "You are logged out." in client.get("/nojs/login").text
    assert client.get("/nojs/images").status_code == 303
    assert accounts.user_for_session(str(token)) is None
    replay = create_fallback_app()
    with TestClient(replay, follow_redirects=False, cookies={COOKIE_NAME: stolen_cookie}) as thief:
        assert thief.get("/nojs/images").status_code == 303


@pytest.mark.parametrize("path", ["/nojs/login", "/nojs/logout"])
@pytest.mark.parametrize("csrf", [None, "forged"])
def test_login_and_logout_need_csrf(
    client: TestClient, anonymous: TestClient, alice: CurrentUser, path: str, csrf: str | None
) -> None:
    browser = anonymous if path == "/nojs/login" else client
    data = {"email": alice.email, "password": PASSWORD} | ({"csrf_token": csrf} if csrf else {})
    response = browser.post(path, data=data)
    assert response.status_code == 403
    if path == "/nojs/logout":
        assert client.get("/nojs/images").status_code == 200  # still logged in


def test_first_run_setup_only_while_nobody_exists(anonymous: TestClient) -> None:
    assert anonymous.get("/nojs/login").headers["location"] == "/nojs/setup"
    page = anonymous.get("/nojs/setup")
    assert page.status_code == 200
    for field in ("store_name", "email", "password", "password_confirm"):
        assert f'<label for="{field}">' in page.text
    token = csrf_of(anonymous, "/nojs/setup")
    bad = anonymous.post(
        "/nojs/setup",
        data={
            "csrf_token": token,
            "store_name": "Harbour",
            "email": "ann@example.com",
            "password": "short",
            "password_confirm": "short",
        },
    )
    assert bad.headers["location"] == "/nojs/setup"
    again = anonymous.get("/nojs/setup").text
    assert "Use at least 10 characters." in again
    assert 'value="Harbour"' in again
    good = anonymous.post(
        "/nojs/setup",
        data={
            "csrf_token": token,
            "store_name": "Harbour",
            "email": "ann@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert good.headers["location"] == "/nojs/images"
    assert "Harbour is ready" in anonymous.get("/nojs/images").text  # logged in right away
    assert anonymous.get("/nojs/setup").status_code == 404
    late = anonymous.post(
        "/nojs/setup",
        data={
            "csrf_token": csrf_of(anonymous, "/nojs/images"),
            "store_name": "Other",
            "email": "x@example.com",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert late.status_code == 404


def test_other_store_sees_nothing(
    client: TestClient, stranger_client: TestClient, service: UploadService
) -> None:
    pending = upload(client, headers={"Accept": "application/json"}).json()
    assert stranger_client.get(pending["preview_url"]).status_code == 404
    assert stranger_client.get(f"/media/{pending['image_id']}").status_code == 404
    response = complete(client, title="Alice's harbour")
    image_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/media/{image_id}").status_code == 200
    assert stranger_client.get(f"/nojs/images/{image_id}").status_code == 404
    assert stranger_client.get(f"/media/{image_id}").status_code == 404
    for name in ("thumb.webp", "web.jpg"):
        assert stranger_client.get(f"/media/{image_id}/{name}").status_code == 404
    assert "Alice&#39;s harbour" not in stranger_client.get("/nojs/images").text
    assert "No images yet." in stranger_client.get("/nojs/images").text


def test_slugs_are_per_store(client: TestClient, stranger_client: TestClient) -> None:
    for browser in (client, stranger_client):
        upload(browser)
        response = complete(browser, title="Same title", slug="same-slug")
        assert re.match(r"/nojs/images/\d+$", response.headers["location"])


def test_colleague_cannot_preview_finish_or_cancel_the_uploaders_upload(
    client: TestClient, other_client: TestClient, service: UploadService
) -> None:
    token = upload(client, headers={"Accept": "application/json"}).json()["upload_token"]
    response = other_client.post(
        "/nojs/images/upload/metadata",
        data={
            "csrf_token": csrf_of(other_client),
            "upload_token": token,
            "title": "Mine",
            "alt_text": "Taken",
        },
    )
    assert response.headers["location"] == "/nojs/images/upload"
    assert other_client.get(f"/nojs/images/upload/preview?token={token}").status_code == 404
    other_client.post("/nojs/images/upload/cancel", data={"csrf_token": csrf_of(other_client)})
    pending = service.list_pending(owner="user:1")
    assert len(pending) == 1
    assert service.storage.exists(pending[0].temp_path)


def test_admin_adds_a_member_who_can_then_log_in(
    client: TestClient, anonymous: TestClient, accounts: AccountService, alice: CurrentUser
) -> None:
    page = client.get("/nojs/users")
    assert "alice@example.com" in page.text
    response = client.post(
        "/nojs/users",
        data={
            "csrf_token": csrf_of(client, "/nojs/users"),
            "email": "dan@example.com",
            "password": PASSWORD,
        },
    )
    assert response.headers["location"] == "/nojs/users"
    assert "dan@example.com can now log in" in client.get("/nojs/users").text
    assert log_in(anonymous, "dan@example.com").headers["location"] == "/nojs/images"
    assert [m.store_id for m in accounts.members(alice.store_id)] == [alice.store_id] * 2


def test_members_cannot_add_people(other_client: TestClient) -> None:
    response = other_client.post(
        "/nojs/users",
        data={
            "csrf_token": csrf_of(other_client, "/nojs/users"),
            "email": "eve@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 403


def test_store_quota_is_enforced_at_step_one(
    client: TestClient, service: UploadService, accounts: AccountService
) -> None:
    service.settings.store_max_images = 1
    assert upload(client).headers["location"] == "/nojs/images/upload/metadata"
    refused = upload(client, headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert "limit of 1 images" in refused.json()["errors"][0]["message"]
    service.settings.store_max_images = None
    service.settings.store_max_bytes = 10
    refused = upload(client, headers={"Accept": "application/json"})
    assert refused.status_code == 413
    assert "storage limit" in refused.json()["errors"][0]["message"]
