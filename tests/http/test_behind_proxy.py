"""Behind a reverse proxy: the throttle and the logs see the real client only when the peer
is a trusted proxy; cookies are Secure under an https IMAGEAPP_PUBLIC_URL."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from imageapp.config import Settings, get_settings
from imageapp.db import get_engine
from imageapp.fallback.app import create_fallback_app
from imageapp.models import LoginFailure
from imageapp.proxies import TrustedProxies
from imageapp.request_guards import ForwardedHeaders
from imageapp.services.accounts import MAX_FAILURES_PER_ADDRESS, CurrentUser
from imageapp.session_cookie import COOKIE_NAME
from tests.http.conftest import log_in

NGINX = "127.0.0.1"
CLIENT, OTHER_CLIENT = "203.0.113.9", "203.0.113.10"


def through(peer: str, trusted: str, base_url: str = "http://testserver") -> TestClient:
    """The backend as deployed (the fallback inside ForwardedHeaders), reached from ``peer``."""
    app = ForwardedHeaders(create_fallback_app(), TrustedProxies.from_setting(trusted))
    return TestClient(app, base_url=base_url, follow_redirects=False, client=(peer, 4711))


def fail_logins(client: TestClient, count: int, forwarded_for: list[str]) -> None:
    """``count`` failed logins for addresses nobody has (no account reaches its own limit)."""
    for attempt in range(count):
        client.headers["x-forwarded-for"] = forwarded_for[attempt % len(forwarded_for)]
        answer = log_in(client, f"nobody{attempt}@example.com", "wrong")
        assert answer.status_code == 303


def shown_after_login(client: TestClient, user: CurrentUser, forwarded_for: str) -> str:
    client.headers["x-forwarded-for"] = forwarded_for
    answer = log_in(client, user.email)
    assert answer.status_code == 303
    return client.get(answer.headers["location"]).text


def recorded_addresses(settings: Settings) -> set[str]:
    with get_engine(settings.database_url).connect() as connection:
        return set(connection.scalars(sa.select(LoginFailure.address)))


def test_behind_a_trusted_proxy_the_real_client_is_throttled(
    app_settings: Settings, alice: CurrentUser, caplog: pytest.LogCaptureFixture
) -> None:
    """Every request comes from the proxy's address; the throttle tells the clients apart."""
    client = through(NGINX, trusted=NGINX)
    with caplog.at_level(logging.INFO, logger="imageapp"):
        # The client's own (spoofed) entries sit left of what the proxy appended.
        fail_logins(client, MAX_FAILURES_PER_ADDRESS, [f"198.51.100.{n}, {CLIENT}" for n in (1, 2)])
    assert recorded_addresses(app_settings) == {CLIENT}
    assert f"failed login for nobody0@example.com from {CLIENT}" in caplog.text
    assert "Too many failed attempts" in shown_after_login(client, alice, CLIENT)
    # Another client behind the same proxy is not punished for it.
    page = shown_after_login(through(NGINX, trusted=NGINX), alice, OTHER_CLIENT)
    assert "Too many failed attempts" not in page
    assert "Log out" in page


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        ("203.0.113.50", NGINX),  # a peer that is not the trusted proxy
        (NGINX, ""),  # nobody trusted (the default)
    ],
)
def test_a_spoofed_forwarded_for_is_ignored(
    app_settings: Settings,
    alice: CurrentUser,
    caplog: pytest.LogCaptureFixture,
    peer: str,
    trusted: str,
) -> None:
    """An attacker rotating X-Forwarded-For is still one address: the peer's."""
    client = through(peer, trusted)
    spoofed = [f"198.51.100.{n}" for n in range(1, MAX_FAILURES_PER_ADDRESS + 1)]
    with caplog.at_level(logging.INFO, logger="imageapp"):
        fail_logins(client, MAX_FAILURES_PER_ADDRESS, spoofed)
    assert recorded_addresses(app_settings) == {peer}
    assert f"failed login for nobody0@example.com from {peer}" in caplog.text
    assert "198.51.100" not in caplog.text
    assert "Too many failed attempts" in shown_after_login(client, alice, "198.51.100.200")


def session_cookie_header(client: TestClient) -> str:
    response = client.get("/nojs/login")
    assert response.status_code == 200
    cookies = [value for value in response.headers.get_list("set-cookie") if COOKIE_NAME in value]
    assert len(cookies) == 1, response.headers
    return cookies[0].lower()


@pytest.mark.parametrize(
    ("public_url", "secure_setting", "secure"),
    [
        ("https://photos.example.com", "false", True),
        ("http://photos.example.com", "false", False),
        ("", "false", False),
        ("", "true", True),  # IMAGEAPP_SESSION_COOKIE_SECURE still works alone
    ],
)
def test_cookies_are_secure_under_an_https_public_url(
    app_settings: Settings,
    alice: CurrentUser,
    monkeypatch: pytest.MonkeyPatch,
    public_url: str,
    secure_setting: str,
    secure: bool,
) -> None:
    monkeypatch.setenv("IMAGEAPP_PUBLIC_URL", public_url)
    monkeypatch.setenv("IMAGEAPP_SESSION_COOKIE_SECURE", secure_setting)
    get_settings.cache_clear()
    cookie = session_cookie_header(through(NGINX, NGINX, base_url="https://photos.example.com"))
    assert ("; secure" in cookie) == secure
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_an_https_login_behind_the_proxy_keeps_its_secure_cookie(
    app_settings: Settings, alice: CurrentUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser talks https to the proxy, the proxy http to the app: X-Forwarded-Proto
    from the trusted proxy makes the app see https, and the login holds."""
    monkeypatch.setenv("IMAGEAPP_PUBLIC_URL", "https://photos.example.com")
    get_settings.cache_clear()
    client = through(NGINX, NGINX, base_url="https://photos.example.com")
    client.headers["x-forwarded-proto"] = "https"
    page = shown_after_login(client, alice, CLIENT)
    assert "Log out" in page
    assert client.get("/nojs/images").status_code == 200
