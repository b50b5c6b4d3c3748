"""The app behind nginx over HTTPS, as README "Deploying" sets it up, in Chromium.

nginx runs ``deploy/nginx/imageapp.conf`` (ports, a self-signed certificate and the webroot
substituted: tests/support/nginx.py) in front of the scaled-out app (2 web workers on Redis,
PostgreSQL, a separate job worker: tests/support/scaled_server.py, reusing the shared
build) started with IMAGEAPP_PUBLIC_URL=https://127.0.0.1:<nginx port> and
IMAGEAPP_TRUSTED_PROXIES=127.0.0.1. Through nginx: the no-JS flow, a Reflex page with its
websocket (wss) and an upload whose bytes reach the app while the browser still sends them,
the http → https redirect and nginx's size limit; then forwarded headers: a client's own
X-Forwarded-For never counts, from an untrusted peer or through nginx.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from imageapp.services.accounts import MAX_FAILURES_PER_ADDRESS
from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.browser.test_scaled_out import renditions_made
from tests.browser.test_upload_page import card, drop, expect_ready, open_upload_page
from tests.images import jpeg_bytes, png_bytes
from tests.support.nginx import Nginx, running_nginx
from tests.support.prod_server import ProdServer, free_port
from tests.support.scaled_server import ScaledServer, scaled_server

SLOW = 30_000
NGINX_ADDRESS = "127.0.0.1"  # where nginx connects to the app from: the trusted proxy
SPOOFED = "198.51.100"  # TEST-NET-2: what an attacker claims to be


@dataclasses.dataclass
class Deployed:
    app: ScaledServer
    nginx: Nginx

    @property
    def public(self) -> ProdServer:
        """The app as people reach it: through nginx, at the public address."""
        return dataclasses.replace(self.app.server, base_url=self.nginx.https_url)


@pytest.fixture(scope="module")
def deployed(
    prod_server: ProdServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    workdir = tmp_path_factory.mktemp("behind-nginx")
    http_port, https_port = free_port(), free_port()
    settings = {
        "IMAGEAPP_PUBLIC_URL": f"https://127.0.0.1:{https_port}",
        "IMAGEAPP_TRUSTED_PROXIES": NGINX_ADDRESS,
    }
    with (
        scaled_server(prod_server, workdir / "app", settings) as app,
        running_nginx(workdir / "nginx", app.server.port, http_port, https_port) as nginx,
    ):
        yield Deployed(app, nginx)


@pytest.fixture
def https_context(browser: Browser) -> Iterator[BrowserContext]:
    """JavaScript on; the test certificate is self-signed."""
    context = browser.new_context(ignore_https_errors=True)
    yield context
    context.close()


@pytest.fixture
def nojs_https_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(ignore_https_errors=True, java_script_enabled=False)
    yield context
    context.close()


def test_no_javascript_first_run_upload_and_library(
    deployed: Deployed, nojs_https_context: BrowserContext, tmp_path: Path
) -> None:
    page, base = nojs_https_context.new_page(), deployed.nginx.https_url
    page.goto(base + "/nojs/images")
    expect(page).to_have_url(base + "/nojs/setup")  # a fresh database: the first run
    page.get_by_label("Store name").fill("Proxied Photos")
    page.get_by_label("Your email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create store and account").click()
    expect(page.get_by_role("status")).to_contain_text("Proxied Photos is ready")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("owner@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/nojs/images")
    (session,) = [c for c in nojs_https_context.cookies() if c["name"] == "imageapp_session"]
    assert session["secure"], session  # the public address is https
    assert session["httpOnly"]

    photo = tmp_path / "pier.jpg"
    photo.write_bytes(jpeg_bytes((1200, 800), seed=41))
    page.goto(base + "/nojs/images/upload")
    page.get_by_label("Image file").set_input_files(photo)
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("img", name="Preview of pier.jpg")).to_be_visible()
    page.get_by_label("Title").fill("The pier at dusk")
    page.get_by_label("Alt text").fill("Wooden pier over calm water")
    page.get_by_role("button", name="Complete upload").click()
    expect(page).to_have_url(re.compile(r".*/nojs/images/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])

    renditions_made(deployed.app, image_id)
    page.goto(base + "/nojs/images")
    expect(page.get_by_role("link", name=re.compile("The pier at dusk"))).to_be_visible()
    image = page.get_by_alt_text("Wooden pier over calm water")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, "the thumbnail did not load"
    access = deployed.nginx.access_log()
    assert "POST /nojs/images/upload HTTP" in access
    assert f"GET /media/{image_id}/thumb." in access


def stored_bytes(storage_dir: Path) -> int:
    """Bytes of every file under the app's storage right now (a partial upload too)."""
    total = 0
    for path in storage_dir.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:
            continue  # renamed or removed meanwhile
    return total


def test_reflex_page_websocket_and_upload_with_progress(
    deployed: Deployed, https_context: BrowserContext, tmp_path: Path
) -> None:
    """The page's websocket goes to wss://<public address>/_event through nginx, and an
    upload reaches the app while the browser is still sending it (no buffering in nginx):
    the progress bar shows real progress."""
    page: Page = https_context.new_page()
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    public = deployed.public
    log_in(page, public, create_user(public, store="Reflex Proxied"))
    open_upload_page(page, public)
    events = [socket for socket in sockets if "/_event" in socket.url]
    assert events, [socket.url for socket in sockets]
    assert all(
        socket.url.startswith(f"wss://127.0.0.1:{deployed.nginx.https_port}/_event/")
        for socket in events
    ), [socket.url for socket in events]
    assert not events[-1].is_closed()

    big = tmp_path / "wide.png"
    big.write_bytes(png_bytes((1800, 1200), seed=7))
    size = big.stat().st_size
    assert size > 4_000_000, size
    before = stored_bytes(public.storage_dir)
    cdp = https_context.new_cdp_session(page)
    cdp.send("Network.enable")  # about 1 MB/s up: the upload takes several seconds
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1 << 20},
    )
    drop(page, big)
    progress = card(page, "wide.png").get_by_role("progressbar")
    seen: list[tuple[int, int]] = []  # (browser's progress %, bytes the app has)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        value = progress.get_attribute("aria-valuenow") if progress.count() else None
        percent = int(float(value)) if value else 0
        seen.append((percent, stored_bytes(public.storage_dir) - before))
        if percent >= 100:
            break
        time.sleep(0.1)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    midway = [(percent, got) for percent, got in seen if 5 <= percent <= 90]
    assert len({percent for percent, _ in midway}) >= 3, seen  # the bar moved, in steps
    assert any(got > size // 10 for percent, got in midway), seen  # the app had bytes already
    expect_ready(page, "wide.png")
    card(page, "wide.png").get_by_label("Title").fill("Wide through nginx")
    card(page, "wide.png").get_by_label("Alt text").fill("A wide noisy picture")
    page.get_by_role("button", name=re.compile(r"^Complete all")).click()
    saved = page.locator("#upload-saved")
    expect(saved.get_by_role("link", name="Wide through nginx")).to_be_visible(timeout=SLOW)
    assert not events[-1].is_closed()  # the same websocket, open all along


def test_http_is_sent_to_https_and_nginx_limits_the_body(deployed: Deployed) -> None:
    plain = f"http://127.0.0.1:{deployed.nginx.http_port}"
    answer = httpx.get(plain + "/nojs/login?next=/upload")
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://127.0.0.1/nojs/login?next=/upload"
    # certbot's renewals answer their challenge over plain http, from the webroot.
    challenge = deployed.nginx.directory / "www" / ".well-known" / "acme-challenge" / "t0ken"
    challenge.write_text("t0ken.proof")
    assert httpx.get(plain + "/.well-known/acme-challenge/t0ken").text == "t0ken.proof"
    with httpx.Client(
        base_url=deployed.nginx.https_url, verify=deployed.nginx.tls(), timeout=60
    ) as client:
        too_big = client.post("/nojs/images/upload", content=bytes(27 << 20))
        assert too_big.status_code == 413
        assert "This file is too large" in too_big.text
        assert client.get("/ping").status_code == 200
        assert client.get("/ping").headers["strict-transport-security"]


def websocket_handshake(nginx: Nginx, headers: dict[str, str]) -> str:
    """The status line nginx relays for a websocket handshake to Reflex's /_event."""
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{nginx.https_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + "\r\n"
    )
    with (
        socket.create_connection(("127.0.0.1", nginx.https_port), timeout=30) as raw,
        nginx.tls().wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(request.encode())
        return tls.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://127.0.0.1:{port}"}, "101"),
        ({"Origin": "https://evil.example"}, "403"),
        ({"Origin": "https://evil.example", "X-Forwarded-Host": "evil.example"}, "403"),
    ],
)
def test_the_websocket_origin_check_behind_nginx(
    deployed: Deployed, headers: dict[str, str], status: str
) -> None:
    """Through the trusted proxy, only the public origin may open the websocket; a forged
    X-Forwarded-Host does not make another site "us"."""
    port = deployed.nginx.https_port
    sent = {name: value.format(port=port) for name, value in headers.items()}
    line = websocket_handshake(deployed.nginx, sent)
    assert line.split(" ")[1] == status, line


def login_form(client: httpx.Client) -> tuple[str, dict[str, str]]:
    """The form's CSRF token and the session cookie to send it with. By hand: the cookie is
    Secure (the public address is https) and a client talking http straight to the app would
    not send it back."""
    client.cookies.clear()
    form = client.get("/nojs/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None, form.text[:500]
    return csrf[1], {"cookie": f"imageapp_session={form.cookies['imageapp_session']}"}


def failed_logins(client: httpx.Client, count: int, label: str) -> None:
    """``count`` failed logins for unknown addresses, each claiming another X-Forwarded-For."""
    for attempt in range(count):
        csrf, cookie = login_form(client)
        answer = client.post(
            "/nojs/login",
            data={"csrf_token": csrf, "email": f"{label}{attempt}@example.com", "password": "no"},
            headers={"x-forwarded-for": f"{SPOOFED}.{attempt + 1}", **cookie},
        )
        assert answer.status_code == 303, answer.text[:500]


def logs_in(client: httpx.Client, email: str) -> bool:
    """A right password, with yet another claimed address: let in, or throttled?"""
    csrf, cookie = login_form(client)
    answer = client.post(
        "/nojs/login",
        data={"csrf_token": csrf, "email": email, "password": PASSWORD},
        headers={"x-forwarded-for": f"{SPOOFED}.250", **cookie},
    )
    assert answer.status_code == 303, answer.text[:500]
    cookie = {"cookie": f"imageapp_session={answer.cookies['imageapp_session']}"}
    client.cookies.clear()
    shown = client.get(answer.headers["location"], headers=cookie).text
    if "Too many failed attempts" in shown:
        return False
    assert "Log out" in shown, shown[:800]
    return True


def from_address(local_address: str, base_url: str, nginx: Nginx) -> httpx.Client:
    """A client on another loopback address: a peer that is not the trusted proxy."""
    transport = httpx.HTTPTransport(local_address=local_address, verify=nginx.tls())
    return httpx.Client(base_url=base_url, transport=transport, timeout=60)


def addresses_logged(deployed: Deployed, label: str) -> set[str]:
    pattern = re.compile(rf"failed login for {label}\d+@example\.com from (\S+)$")
    return {
        found[1] for line in deployed.app.log_lines() if (found := pattern.search(line["message"]))
    }


def test_a_spoofed_forwarded_for_is_ignored(deployed: Deployed) -> None:
    """Runs last (it throttles addresses). From an untrusted peer (straight to the app) and
    through nginx, rotating X-Forwarded-For: every attempt counts against the real address,
    which is throttled after 20; another client behind the same nginx is not."""
    user = create_user(deployed.public, store="Spoof Proxied")
    with from_address("127.0.0.3", deployed.app.server.base_url, deployed.nginx) as direct:
        failed_logins(direct, MAX_FAILURES_PER_ADDRESS, "direct")
        assert not logs_in(direct, user.email)
    assert addresses_logged(deployed, "direct") == {"127.0.0.3"}

    with from_address("127.0.0.2", deployed.nginx.https_url, deployed.nginx) as attacker:
        failed_logins(attacker, MAX_FAILURES_PER_ADDRESS, "proxied")
        assert not logs_in(attacker, user.email)
    # nginx appended the real address; the client's own entries left of it were not read.
    assert addresses_logged(deployed, "proxied") == {"127.0.0.2"}
    with from_address("127.0.0.4", deployed.nginx.https_url, deployed.nginx) as someone_else:
        assert logs_in(someone_else, user.email)
    assert SPOOFED not in deployed.app.web_log()
