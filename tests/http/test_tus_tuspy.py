"""A tus client no one here wrote (tuspy, from PyPI) against a real server process: the
server is killed (SIGKILL, by its PID) mid-upload and started again on the same port,
database and storage; the client resumes from the server's offset, and the result is a
pending upload that the API's step 2 finishes. Both storage backends."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from tusclient.client import TusClient
from tusclient.storage.filestorage import FileStorage

from imageapp.config import PROJECT_ROOT, Settings
from imageapp.db import get_engine
from imageapp.models import Image, TusUpload
from imageapp.services.accounts import CurrentUser
from imageapp.services.backends import storage_for
from imageapp.services.storage import TUS_PARTS
from imageapp.services.tus_uploads import TusCleanup
from tests.http.api_support import new_token
from tests.images import jpeg_bytes
from tests.stored import names
from tests.support.prod_server import free_port

pytestmark = pytest.mark.both_storages


class Photo(io.BytesIO):
    """The file as tuspy reads it: given a path, tuspy 1.1.0 opens it again for every chunk
    and never closes it (ResourceWarnings in later tests); a stream it cannot close."""

    def close(self) -> None:
        """tuspy closes the stream after a request; it is read again for the next one."""


CHUNK = 8 * 1024
START_TIMEOUT_S = 60.0


class ServerProcess:
    """``uvicorn`` serving the app (the fallback app, where /tus/ lives) as a child process."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "imageapp.fallback.app:create_fallback_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                cwd=PROJECT_ROOT,
                env=dict(os.environ),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                if httpx.options(f"{self.url}/tus/", timeout=2).status_code == 204:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, by PID: no shutdown, no cleanup, a request in flight just stops."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


@pytest.fixture
def server(app_settings: Settings, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(free_port(), tmp_path / "server.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def offset_of(settings: Settings) -> int:
    with get_engine(settings.database_url).connect() as connection:
        return connection.scalar(sa.select(sa.func.max(TusUpload.upload_offset))) or 0  # type: ignore[arg-type]


@pytest.fixture
def urls(tmp_path: Path) -> Iterator[FileStorage]:
    """tuspy's own resume records (upload URLs by file fingerprint), in a file."""
    records = FileStorage(str(tmp_path / "tus-urls.json"))
    try:
        yield records
    finally:
        records.close()


def test_tuspy_resumes_after_the_server_is_killed(
    app_settings: Settings, alice: CurrentUser, server: ServerProcess, urls: FileStorage
) -> None:
    token = new_token(app_settings.database_url, alice)
    data = jpeg_bytes(size=(800, 600), seed=41)
    photo = Photo(data)

    def uploader() -> object:
        client = TusClient(f"{server.url}/tus/", headers={"Authorization": f"Bearer {token}"})
        return client.uploader(
            file_stream=photo,
            chunk_size=CHUNK,
            metadata={"filename": "harbour.jpg", "filetype": "image/jpeg"},
            store_url=True,
            url_storage=urls,
        )

    failures: list[BaseException] = []

    def first_attempt() -> None:
        try:
            uploader().upload()  # type: ignore[attr-defined]
        except BaseException as error:  # the server dies under it
            failures.append(error)

    thread = threading.Thread(target=first_attempt)
    thread.start()
    deadline = time.monotonic() + 60
    while offset_of(app_settings) < len(data) // 3:
        assert thread.is_alive(), f"the upload ended before the kill: {failures}"
        assert time.monotonic() < deadline, "the upload did not progress"
        time.sleep(0.005)
    server.kill()
    thread.join(timeout=60)
    assert failures, "the client noticed nothing: the kill came too late"
    reached = offset_of(app_settings)
    assert 0 < reached < len(data)

    resume_and_finish(app_settings, server, token, uploader, reached, data)


def resume_and_finish(
    app_settings: Settings,
    server: ServerProcess,
    token: str,
    uploader: Callable[[], object],
    reached: int,
    data: bytes,
) -> None:
    """The server back on the same port, database and storage; the client resumes."""
    server.start()  # same port, database and storage
    resumed = uploader()
    assert resumed.url is not None  # type: ignore[attr-defined]
    assert resumed.offset == reached  # type: ignore[attr-defined]  # asked by HEAD
    resumed.upload()  # type: ignore[attr-defined]
    assert offset_of(app_settings) == len(data)

    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        answer = api.get(resumed.url)  # type: ignore[attr-defined]
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["preview_url"].endswith(f"/api/v1/uploads/{body['upload_token']}/preview")
        finished = api.post(
            f"{server.url}/api/v1/uploads/{body['upload_token']}",
            json={"title": "Harbour", "alt_text": "Boats in the harbour at dusk"},
        )
    assert finished.status_code == 201, finished.text
    with get_engine(app_settings.database_url).connect() as connection:
        image = connection.execute(sa.select(Image).where(Image.id == body["image_id"])).one()  # type: ignore[arg-type]
    assert image.status == "active"
    assert image.original_filename == "harbour.jpg"
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    # What the killed PATCH had half-written is no row's part: the sweep takes it.
    storage = storage_for(app_settings)
    TusCleanup(get_engine(app_settings.database_url), storage).sweep_orphan_parts(timedelta(0))
    assert names(storage, TUS_PARTS) == []
