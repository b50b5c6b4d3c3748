"""Step 1 over real HTTP: imageapp's upload route against bare Starlette endpoints.

Each server is a real ``uvicorn`` process on loopback (one worker). imageapp is the fallback
app (``imageapp.fallback.app:create_fallback_app``) on a fresh SQLite database: every request
gets a session cookie, passes CSRF, streams multipart, validates, strips metadata, hashes and
records a pending image (JSON answer, no redirect). The bare endpoints take the raw body.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Throughput:
    target: str
    label: str
    clients: int
    requests: int
    mb_per_s: float
    p50_ms: float
    p95_ms: float


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise KeyError("VmRSS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(factory: str, env: dict[str, str]) -> Iterator[Server]:
    """``uvicorn --factory`` on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
    options = ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen([*command, *options], env=os.environ | env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Server(process, f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


# Used only when imageapp has accounts (DESIGN.md: /nojs/setup and /nojs/login).
ACCOUNT = {"store_name": "Bench", "email": "bench@example.org", "password": "bench-password-1"}


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def ensure_account(base_url: str) -> None:
    """Create the first account if this imageapp has accounts and none exists yet."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        page = http.get("/nojs/setup")
        if page.status_code != 200:
            return
        form = ACCOUNT | {"password_confirm": ACCOUNT["password"], "csrf_token": csrf_of(page)}
        assert http.post("/nojs/setup", data=form).status_code == 303


class ImageappClient:
    """One browser: its own cookie jar, session (logged in if needed) and CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=120)
        page = self.http.get("/nojs/images/upload")
        if page.status_code == 303:  # accounts: log in first
            login = self.http.get("/nojs/login")
            form = {"email": ACCOUNT["email"], "password": ACCOUNT["password"]}
            self.http.post("/nojs/login", data=form | {"csrf_token": csrf_of(login)})
            page = self.http.get("/nojs/images/upload")
        self.csrf = csrf_of(page)

        self._encoded: dict[int, tuple[bytes, str]] = {}

    def upload(self, body: bytes | Path) -> None:
        """POST the form. Bytes are multipart-encoded once and then sent as they are, so the
        client does the same work per request as the bare client; a Path is streamed."""
        headers = {"Accept": "application/json"}
        if isinstance(body, Path):
            with body.open("rb") as handle:
                response = self.http.post(
                    "/nojs/images/upload",
                    data={"csrf_token": self.csrf},
                    files={"image_file": ("photo.jpg", handle, "image/jpeg")},
                    headers=headers,
                )
        else:
            content, content_type = self._encode(body)
            headers["Content-Type"] = content_type
            response = self.http.post("/nojs/images/upload", content=content, headers=headers)
        assert response.status_code == 201, response.text

    def _encode(self, body: bytes) -> tuple[bytes, str]:
        if id(body) not in self._encoded:
            request = httpx.Request(
                "POST",
                "http://encode/",
                data={"csrf_token": self.csrf},
                files={"image_file": ("photo.jpg", body, "image/jpeg")},
            )
            self._encoded[id(body)] = (request.read(), request.headers["Content-Type"])
        return self._encoded[id(body)]


class BareClient:
    def __init__(self, base_url: str, path: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=120)
        self.path = path

    def upload(self, body: bytes | Path) -> None:
        response = self.http.post(
            self.path, content=body, headers={"Content-Type": "application/octet-stream"}
        )
        assert response.status_code == 201, response.text


def run_clients(
    clients: list[ImageappClient] | list[BareClient], body: bytes, each: int
) -> tuple[float, list[float]]:
    """Every client uploads ``body`` ``each`` times, all at once; wall time and latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def work(client: ImageappClient | BareClient) -> None:
        for _ in range(each):
            start = time.perf_counter()
            client.upload(body)
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies


def throughput(
    target: str, make_client: object, body: bytes, label: str, clients: int, each: int
) -> Throughput:
    pool = [make_client() for _ in range(clients)]  # type: ignore[operator]
    run_clients(pool, body, 1)  # warm-up: sessions, imports, connection pools
    wall, latencies = run_clients(pool, body, each)
    latencies.sort()
    return Throughput(
        target=target,
        label=label,
        clients=clients,
        requests=len(latencies),
        mb_per_s=len(body) * len(latencies) / wall / 1024 / 1024,
        p50_ms=statistics.median(latencies),
        p95_ms=latencies[max(0, int(len(latencies) * 0.95) - 1)],
    )


def rss_growth_during(server: Server, upload: object) -> tuple[float, float]:
    """(RSS before, peak growth over it) of the server process, in MB, while ``upload()`` runs."""
    before = server.rss_kb()
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss_kb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        upload()  # type: ignore[operator]
    finally:
        done.set()
        sampler.join()
    return before / 1024, (peak - before) / 1024
