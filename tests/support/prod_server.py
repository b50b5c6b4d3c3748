"""`make run` as a subprocess: one production server per test session, shared by every user.

Both the smoke test (tests/test_make_run.py) and the browser tests (tests/browser) take the
``prod_server`` fixture from here. Each import makes its own pytest fixture, so the server
itself is reference-counted: the first user starts it, the last one stops it and checks
that no process of it is left behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The first build on a fresh clone installs the frontend's npm packages and compiles it.
STARTUP_TIMEOUT_S = float(os.environ.get("IMAGEAPP_TEST_SERVER_STARTUP_TIMEOUT", "1200"))
STOP_TIMEOUT_S = 30.0
# Tests that start the server need this much time: pass it to pytest.mark.timeout.
SERVER_TEST_TIMEOUT_S = int(STARTUP_TIMEOUT_S) + 300
MARKER_VARIABLE = "IMAGEAPP_TEST_SERVER_ID"
CHUNK_BYTES = 1 << 20
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


@dataclasses.dataclass
class ProdServer:
    """A running `make run` (production mode, one port) with its own database and storage."""

    base_url: str
    port: int
    database_url: str
    storage_dir: Path
    reflex_upload_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    marker: str
    # `git status` of the checkout just before the server started: serving must not change it.
    git_status_before: str

    def log_tail(self, limit: int = 6000) -> str:
        """The end of the server's output, for failure messages."""
        data = self.log_path.read_bytes() if self.log_path.exists() else b""
        return data[-limit:].decode("utf-8", errors="replace")

    def stop(self) -> list[str]:
        """End the whole process group; returns descriptions of processes that survived."""
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while self.leftover_processes() and time.monotonic() < deadline:
            time.sleep(0.2)
        leftovers = self.leftover_processes()
        for pid, _description in leftovers:  # never leave them running, even when reporting
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return [description for _pid, description in leftovers]

    def leftover_processes(self) -> list[tuple[int, str]]:
        """Live processes started by this server: in its process group or carrying its marker."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
                state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
                environ = (entry / "environ").read_bytes()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if state == "Z":
                continue  # already dead, only waiting to be reaped
            ours = int(pgrp) == self.process.pid or f"{MARKER_VARIABLE}={self.marker}".encode() in (
                environ.split(b"\0")
            )
            if ours:
                found.append((pid, f"{pid} {cmdline.strip()}"))
        return found


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on ``port`` any more."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def git_status() -> str:
    """The checkout's `git status` (tracked changes and untracked, not ignored, files)."""
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def start_prod_server(workdir: Path) -> ProdServer:
    """Start `make run` on a free loopback port with a private SQLite file and storage dir."""
    port = free_port()
    return start_make_server(workdir, ["run", f"PORT={port}", "HOST=127.0.0.1"], port)


def start_dev_server(workdir: Path) -> ProdServer:
    """Start `make dev` (Vite + the backend, hot reload) on free loopback ports."""
    port, backend_port = free_port(), free_port()
    return start_make_server(workdir, ["dev", f"PORT={port}", f"BACKEND_PORT={backend_port}"], port)


def start_make_server(workdir: Path, make_arguments: list[str], port: int) -> ProdServer:
    """Run ``make <make_arguments>`` serving on ``port``, with a private database and storage."""
    marker = uuid.uuid4().hex
    git_status_before = git_status()
    storage_dir = workdir / "storage"
    reflex_upload_dir = workdir / "reflex_uploads"
    database_url = f"sqlite:///{workdir / 'imageapp.db'}"
    env = {key: value for key, value in os.environ.items() if key not in MAKE_VARIABLES}
    env.update(
        IMAGEAPP_DATABASE_URL=database_url,
        IMAGEAPP_STORAGE_DIR=str(storage_dir),
        IMAGEAPP_SECRET_KEY=f"test-secret-{marker}",
        REFLEX_UPLOADED_FILES_DIR=str(reflex_upload_dir),
        # The upload page sends files in 1 MiB tus PATCHes: a network cut (a new request
        # failing offline) lands mid-file, the way a chunked upload behind a proxy sees it.
        IMAGEAPP_UPLOAD_CHUNK_BYTES=str(CHUNK_BYTES),
        **{MARKER_VARIABLE: marker},
    )
    log_path = workdir / f"make-{make_arguments[0]}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", *make_arguments],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends every child
        )
    server = ProdServer(
        base_url=f"http://127.0.0.1:{port}",
        port=port,
        database_url=database_url,
        storage_dir=storage_dir,
        reflex_upload_dir=reflex_upload_dir,
        log_path=log_path,
        process=process,
        marker=marker,
        git_status_before=git_status_before,
    )
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: ProdServer) -> None:
    """Poll /ping until it answers; fail early with the log if `make run` gave up."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(
                    f"`make` exited with {server.process.returncode} before serving:\n"
                    + server.log_tail()
                )
            with contextlib.suppress(httpx.TransportError):
                if client.get("/ping").status_code == 200:
                    return
            time.sleep(1.0)
    pytest.fail(
        f"`make` did not answer /ping within {STARTUP_TIMEOUT_S:.0f} s:\n" + server.log_tail()
    )


class _SharedServer:
    """Reference-counted access to the session's one server."""

    def __init__(self) -> None:
        self.server: ProdServer | None = None
        self.users = 0

    @contextlib.contextmanager
    def use(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdServer]:
        if self.server is None:
            self.server = start_prod_server(tmp_path_factory.mktemp("prod-server"))
        self.users += 1
        try:
            yield self.server
        finally:
            self.users -= 1
            if self.users == 0:
                server, self.server = self.server, None
                _stop_and_check(server)


def _stop_and_check(server: ProdServer) -> None:
    """Stop the server and fail the session's teardown if anything of it survived."""
    leftovers = server.stop()
    assert not leftovers, "processes of `make run` survived the stop:\n" + "\n".join(leftovers)
    assert port_is_free(server.port), f"port {server.port} still answers after the stop"


_SHARED = _SharedServer()


@pytest.fixture(scope="session")
def prod_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdServer]:
    """The session's production server (started by `make run`), stopped after the last user."""
    with _SHARED.use(tmp_path_factory) as server:
        yield server
