"""Resumable uploads on the Reflex page (issue 15): tus-js-client in Chromium against the real
`make run` build and its tus server.

The network is cut mid-file (`context.set_offline`), the page is reloaded mid-file, an upload
is cancelled mid-file; each time the server's own state (its offsets, its stored bytes) says
what happened, not only the page. The picture is a noisy PNG Pillow writes without any
metadata chunk, so step 1 strips nothing and the pending file must equal it byte for byte.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, CDPSession, Page, Request, Response, expect

from imageapp.db import get_engine
from imageapp.models import Image
from tests.browser.accounts import create_user, log_in
from tests.browser.test_upload_page import SLOW, card, drop, expect_ready, open_upload_page
from tests.images import png_bytes
from tests.support.prod_server import ProdServer

UP_1_MB_S = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1 << 20}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@dataclasses.dataclass
class TusLog:
    """The page's requests to /tus/ as the server saw them: (method, path, Upload-Offset)."""

    requests: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    # Upload-Offset of every HEAD answer: where the server says the upload stands.
    head_offsets: list[int] = dataclasses.field(default_factory=list)
    created: list[str] = dataclasses.field(default_factory=list)  # Location of each POST

    def record_request(self, request: Request) -> None:
        if "/tus/" in request.url:
            offset = request.headers.get("upload-offset", "")
            self.requests.append((request.method, urlparse(request.url).path, offset))

    def record_response(self, response: Response) -> None:
        if "/tus/" not in response.url:
            return
        method = response.request.method
        if method == "HEAD" and response.status == 200:
            self.head_offsets.append(int(response.headers["upload-offset"]))
        if method == "POST" and response.status == 201:
            self.created.append(urlparse(response.headers["location"]).path)

    def patch_offsets(self) -> list[int]:
        return [int(offset) for method, _path, offset in self.requests if method == "PATCH"]

    def methods(self) -> list[str]:
        return [method for method, _path, _offset in self.requests]


def watch_tus(page: Page) -> TusLog:
    log = TusLog()
    page.on("request", log.record_request)
    page.on("response", log.record_response)
    return log


def throttle(context: BrowserContext, page: Page, conditions: dict[str, object]) -> CDPSession:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    return cdp


def noisy_png(directory: Path, name: str = "noise.png") -> Path:
    """A PNG of several MB (noise does not compress), with no metadata for step 1 to strip."""
    path = directory / name
    path.write_bytes(png_bytes((1800, 1200), seed=23))
    assert path.stat().st_size > 5_000_000, path.stat().st_size
    return path


def percent_of(page: Page, filename: str) -> int:
    progress = card(page, filename).get_by_role("progressbar")
    value = progress.get_attribute("aria-valuenow") if progress.count() else None
    return int(float(value)) if value else 0


def wait_for_progress(page: Page, filename: str, at_least: int) -> int:
    """Poll the card's bar until it passes ``at_least`` percent (the upload runs meanwhile)."""
    for _ in range(300):
        percent = percent_of(page, filename)
        if percent >= at_least:
            return percent
        page.wait_for_timeout(100)
    raise AssertionError(f"{filename} never passed {at_least} %: {percent_of(page, filename)} %")


def pending_bytes(server: ProdServer, page: Page, filename: str) -> bytes:
    """The pending file of the card's upload, read from the server's own storage."""
    preview = card(page, filename).locator(".upload-preview").get_attribute("src")
    assert preview, "the card shows no preview"
    token = parse_qs(urlparse(preview).query)["token"][0]
    with get_engine(server.database_url).connect() as connection:
        relative = connection.execute(
            sa.select(Image.temp_path).where(Image.upload_token == token)
        ).scalar_one()
    assert relative
    return (server.storage_dir / relative).read_bytes()


def stored_files(server: ProdServer) -> set[Path]:
    temp = server.storage_dir / "temp"
    return {path for path in temp.rglob("*") if path.is_file()} if temp.exists() else set()


@pytest.fixture
def member(prod_server: ProdServer, page: Page) -> Page:
    log_in(page, prod_server, create_user(prod_server, store=f"Resume {uuid.uuid4().hex[:8]}"))
    return page


def test_a_network_cut_mid_file_resumes_by_itself_and_keeps_every_byte(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    context = page.context
    picture = noisy_png(tmp_path)
    log = watch_tus(page)
    open_upload_page(page, prod_server)
    cdp = throttle(context, page, UP_1_MB_S)

    drop(page, picture)
    wait_for_progress(page, picture.name, 20)
    context.set_offline(True)
    # The throttling session's own conditions win over Playwright's for the page's requests:
    # that session goes offline too (set_offline alone tells only navigator.onLine here).
    cdp.send("Network.emulateNetworkConditions", OFFLINE)

    uploading = card(page, picture.name)
    offline = uploading.locator(".upload-offline")
    expect(offline).to_have_text(
        "Connection lost: the upload goes on when the network is back.", timeout=SLOW
    )
    page.screenshot(path=tmp_path / "01-offline.png", full_page=True)
    page.wait_for_timeout(1500)  # offline for a while: nothing may give up meanwhile
    expect(offline).to_be_visible()
    cdp.send("Network.emulateNetworkConditions", UP_1_MB_S)  # slow still: the card is seen
    context.set_offline(False)

    resumed = uploading.locator(".upload-resumed")
    expect(resumed).to_have_text(re.compile(r"^Resuming from [1-9]\d?%$"), timeout=SLOW)
    shown = resumed.inner_text()
    expect(offline).to_have_count(0)
    page.screenshot(path=tmp_path / "02-resuming.png", full_page=True)
    cdp.send("Network.emulateNetworkConditions", UNTHROTTLED)
    expect_ready(page, picture.name)
    page.screenshot(path=tmp_path / "03-ready.png", full_page=True)

    # One upload, created once, continued where the server said it stood (not from 0).
    assert log.methods().count("POST") == 1, log.requests
    assert log.head_offsets, log
    assert log.head_offsets[0] > 0, log
    assert log.patch_offsets()[0] == 0
    assert log.head_offsets[0] in log.patch_offsets()[1:], log
    percent = log.head_offsets[0] * 100 // picture.stat().st_size
    assert shown == f"Resuming from {percent}%"
    expect(page.locator("#upload-log")).to_contain_text(
        f"{picture.name}: resuming from {percent}%."
    )
    assert pending_bytes(prod_server, page, picture.name) == picture.read_bytes()


def test_after_a_reload_the_same_file_resumes_from_the_servers_offset(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    context = page.context
    picture = noisy_png(tmp_path, "reloaded.png")
    log = watch_tus(page)
    open_upload_page(page, prod_server)
    throttle(context, page, UP_1_MB_S)
    drop(page, picture)
    wait_for_progress(page, picture.name, 25)

    page.reload()
    expect(page.locator("#upload-loading")).to_have_count(0, timeout=SLOW)
    lost = card(page, picture.name)
    expect(lost.locator(".upload-error")).to_have_text(
        "This upload stopped when the page was reloaded. "
        "Choose the same file again to continue where it stopped.",
        timeout=SLOW,
    )
    page.screenshot(path=tmp_path / "01-after-reload.png", full_page=True)
    (upload_path,) = log.created
    # Where the server stands (the reload cut the request; what arrived counts, once the
    # server has noticed the cut: the same offset twice in a row).
    offsets = [server_offset(prod_server, context, upload_path)]
    while len(offsets) < 2 or offsets[-1] != offsets[-2]:
        assert len(offsets) < 40, offsets
        page.wait_for_timeout(250)
        offsets.append(server_offset(prod_server, context, upload_path))
    offset = offsets[-1]
    assert 0 < offset < picture.stat().st_size
    cdp = throttle(context, page, UP_1_MB_S)
    before = len(log.requests)

    with page.expect_file_chooser() as chooser:
        lost.get_by_role("button", name="Choose the file again").click()
    chooser.value.set_files(str(picture))

    resumed = card(page, picture.name).locator(".upload-resumed")
    expect(resumed).to_have_text(f"Resuming from {offset * 100 // picture.stat().st_size}%")
    page.screenshot(path=tmp_path / "02-resuming.png", full_page=True)
    cdp.send("Network.emulateNetworkConditions", UNTHROTTLED)
    expect_ready(page, picture.name)
    again = log.requests[before:]
    assert [method for method, _path, _offset in again][:2] == ["HEAD", "PATCH"], again
    assert {path for _method, path, _offset in again} == {upload_path}, again  # no new upload
    assert int(again[1][2]) == offset
    assert pending_bytes(prod_server, page, picture.name) == picture.read_bytes()
    expect(page.locator(".upload-card")).to_have_count(1)


def test_cancel_mid_file_terminates_the_upload_on_the_server(
    prod_server: ProdServer, member: Page, tmp_path: Path
) -> None:
    page = member
    picture = noisy_png(tmp_path, "cancelled.png")
    log = watch_tus(page)
    open_upload_page(page, prod_server)
    before = stored_files(prod_server)
    throttle(page.context, page, UP_1_MB_S)
    drop(page, picture)
    wait_for_progress(page, picture.name, 15)

    card(page, picture.name).get_by_role("button", name="Cancel upload").click()

    expect(card(page, picture.name)).to_have_count(0)
    (upload_path,) = log.created
    expect(page.locator("#upload-empty")).to_be_visible()
    for _ in range(50):  # the DELETE is on its way
        if "DELETE" in log.methods():
            break
        page.wait_for_timeout(100)
    assert ("DELETE", upload_path, "") in log.requests, log.requests
    assert tus_head(prod_server, page.context, upload_path).status_code == 404
    assert stored_files(prod_server) - before == set(), "the partial file was kept"
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tus::'))") == []


def tus_head(server: ProdServer, context: BrowserContext, upload_path: str) -> httpx.Response:
    """HEAD /tus/{id} with this browser's login, from outside the page."""
    return httpx.head(
        server.base_url + upload_path,
        headers={"Tus-Resumable": "1.0.0", "Cookie": cookie_header(context)},
    )


def server_offset(server: ProdServer, context: BrowserContext, upload_path: str) -> int:
    answer = tus_head(server, context, upload_path)
    assert answer.status_code == 200, answer
    return int(answer.headers["upload-offset"])


def cookie_header(context: BrowserContext) -> str:
    """The browser's cookies as a Cookie header (the tus server's login is the session)."""
    return "; ".join(f"{item['name']}={item['value']}" for item in context.cookies())
