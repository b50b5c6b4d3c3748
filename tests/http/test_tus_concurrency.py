"""/tus/ on a real loopback server: two PATCHes of one upload at once, a PATCH cut
mid-stream, and cleanup or DELETE beside a PATCH still streaming (both backends)."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import Image, TusUpload, utcnow
from imageapp.services.accounts import CurrentUser
from imageapp.services.factory import build_cleanup_service
from imageapp.services.housekeeping import clean_up
from imageapp.services.storage import TUS_PARTS
from tests.http.api_support import new_token
from tests.http.tus_support import OFFSET_TYPE, TUS, metadata
from tests.images import jpeg_bytes
from tests.stored import names
from tests.support.live_app import served_app

pytestmark = pytest.mark.both_storages
WAIT_S = 20.0


@pytest.fixture
def live_server(app_settings: Settings) -> Iterator[str]:
    with served_app() as base_url:
        yield base_url


@pytest.fixture
def token(app_settings: Settings, alice: CurrentUser) -> str:
    return new_token(app_settings.database_url, alice)


@pytest.fixture
def tus(live_server: str, token: str) -> Iterator[httpx.Client]:
    headers = TUS | {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        yield client


def new_upload(tus: httpx.Client, data: bytes) -> str:
    created = tus.post(
        "/tus/",
        headers={"Upload-Length": str(len(data)), "Upload-Metadata": metadata(filename="a.jpg")},
    )
    assert created.status_code == 201, created.text
    return created.headers["location"]


class SlowPatch:
    """A PATCH sent by hand on a raw socket: its headers and the first bytes now, the rest
    (or a cut) when the test says."""

    def __init__(self, base_url: str, token: str, path: str, offset: int, body: bytes) -> None:
        address = urlsplit(base_url)
        self.body = body
        self.sock = socket.create_connection((address.hostname, address.port), timeout=WAIT_S)
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {address.netloc}\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: {OFFSET_TYPE}\r\n"
            f"Upload-Offset: {offset}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode())

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def status(self) -> int:
        answer = b""
        while b"\r\n" not in answer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        self.sock.close()
        return int(answer.split(b" ", 2)[1])

    def cut(self) -> None:
        self.sock.close()


def row(settings: Settings) -> sa.Row:
    with get_engine(settings.database_url).connect() as connection:
        found = connection.execute(sa.select(TusUpload)).first()
    assert found is not None
    return found


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def leased(settings: Settings) -> bool:
    return row(settings).writer is not None


def test_two_patches_at_once_one_is_refused(
    app_settings: Settings, live_server: str, token: str, tus: httpx.Client
) -> None:
    data = jpeg_bytes(size=(400, 300), seed=21)
    path = new_upload(tus, data)
    first = SlowPatch(live_server, token, path, 0, data)
    first.send(data[:1000])
    wait_for(lambda: leased(app_settings), "the first PATCH's lease")
    second = tus.patch(
        path, content=data, headers={"Upload-Offset": "0", "Content-Type": OFFSET_TYPE}
    )
    assert second.status_code == 423, second.text
    assert "Another request" in second.json()["errors"][0]["message"]
    assert tus.head(path).headers["upload-offset"] == "0"
    first.send(data[1000:])
    assert first.status() == 204
    assert tus.head(path).headers["upload-offset"] == str(len(data))
    assert tus.get(path).status_code == 200
    with get_engine(app_settings.database_url).connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Image)) == 1


def test_a_cut_patch_keeps_exactly_what_arrived(
    app_settings: Settings, live_server: str, token: str, tus: httpx.Client
) -> None:
    data = jpeg_bytes(size=(400, 300), seed=22)
    path = new_upload(tus, data)
    cut = SlowPatch(live_server, token, path, 0, data)
    cut.send(data[:5000])
    wait_for(lambda: leased(app_settings), "the PATCH's lease")
    time.sleep(0.3)  # the server reads what was sent
    cut.cut()
    wait_for(lambda: not leased(app_settings), "the cut PATCH to let go")
    offset = int(tus.head(path).headers["upload-offset"])
    assert offset == 5000
    rest = tus.patch(
        path,
        content=data[offset:],
        headers={"Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE},
    )
    assert rest.status_code == 204, rest.text
    body = tus.get(path).json()
    with get_engine(app_settings.database_url).connect() as connection:
        stored = connection.scalar(sa.select(Image.sha256).where(Image.id == body["image_id"]))  # type: ignore[arg-type]
    assert stored == hashlib.sha256(data).hexdigest()  # byte for byte what was sent


def test_cleanup_never_removes_an_upload_whose_patch_streams(
    app_settings: Settings, live_server: str, token: str, tus: httpx.Client
) -> None:
    data = jpeg_bytes(size=(400, 300), seed=23)
    path = new_upload(tus, data)
    writing = SlowPatch(live_server, token, path, 0, data[:4000])
    writing.send(data[:2000])
    wait_for(lambda: leased(app_settings), "the PATCH's lease")
    past = utcnow() - timedelta(minutes=app_settings.pending_ttl_minutes + 1)
    with get_engine(app_settings.database_url).begin() as connection:
        connection.execute(sa.update(TusUpload).values(created_at=past, expires_at=past))
    cleanup = build_cleanup_service(app_settings)
    report = clean_up(cleanup, app_settings.pending_ttl_minutes)
    assert report.tus_uploads == 0
    assert row(app_settings).upload_offset == 0
    writing.send(data[2000:4000])
    assert writing.status() == 204
    assert row(app_settings).upload_offset == 4000
    assert len(names(cleanup.storage, TUS_PARTS)) == 1
    assert clean_up(cleanup, app_settings.pending_ttl_minutes).tus_uploads == 1
    assert names(cleanup.storage, TUS_PARTS) == []
    assert tus.head(path).status_code == 404


def test_delete_beside_a_streaming_patch_leaves_nothing(
    app_settings: Settings, live_server: str, token: str, tus: httpx.Client
) -> None:
    data = jpeg_bytes(size=(400, 300), seed=24)
    path = new_upload(tus, data)
    writing = SlowPatch(live_server, token, path, 0, data)
    writing.send(data[:2000])
    wait_for(lambda: leased(app_settings), "the PATCH's lease")
    assert tus.delete(path).status_code == 204
    writing.send(data[2000:])
    assert writing.status() == 423
    assert tus.head(path).status_code == 404
    storage = build_cleanup_service(app_settings).storage
    assert names(storage, TUS_PARTS) == []
