"""Issue 18's figures (README "Benchmarks"): ``python -m bench.scale`` (about 10-15 minutes).

Step 1 of the no-JS fallback app against a bare Starlette endpoint doing the same validation,
both under uvicorn with the same number of worker processes, on SQLite and on PostgreSQL
(127.0.0.1:5432, user postgres: a scratch database is made and dropped); step 2 and
finalize -> renditions ready with a separate ``imageapp worker``; the event loop's lag while
uploads stream (per-chunk thread hops vs 1 MB batches); and a Reflex event's round trip in
Chromium while 8 no-JS uploads stream into the production server (``make run``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.databases import migrate, scratch_postgres
from bench.images import jpeg_of_about, photo_like, save
from bench.reflex_events import p95
from bench.upload import (
    ACCOUNT,
    BareClient,
    ImageappClient,
    Server,
    ensure_account,
    free_port,
    run_clients,
)
from imageapp.config import DEFAULT_PRESETS, PROJECT_ROOT

IMAGEAPP = "imageapp.fallback.app:create_fallback_app"
PER_CHUNK = "bench.per_chunk:create_app"
BARE = "bench.bare_app:create_app"
# Between two finalizes: long enough for an idle queue worker's polling to back off.
IDLE_S = 10.0
RENDITION_JOB_TIME = re.compile(r"renditions\.make: \S+(?: \d+ retries)? executed in ([0-9.]+)s")
RENDITIONS_PER_IMAGE = sum(len(preset.formats) for preset in DEFAULT_PRESETS)


@dataclass(frozen=True)
class Run:
    """One load: every client uploads ``each`` times at once."""

    requests: int
    seconds: float
    mb: float
    busy: float  # share of all CPUs busy meanwhile (clients, servers, PostgreSQL, neighbours)
    p95_ms: float

    @property
    def mb_per_s(self) -> float:
        return self.mb / self.seconds


def table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(flush=True)


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


@contextlib.contextmanager
def serve(
    factory: str, env: dict[str, str], workers: int = 1, cwd: Path | None = None
) -> Iterator[Server]:
    """``uvicorn --factory`` with ``workers`` processes on a free port until the block ends
    (``cwd``: import the code found there first, e.g. an older checkout)."""
    port = free_port()
    arguments = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
    arguments += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    arguments += ["--workers", str(workers)] if workers > 1 else []
    process = subprocess.Popen(arguments, env=os.environ | env, cwd=cwd)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url + "/probe", timeout=1)
                break
            time.sleep(0.1)
        yield Server(process, url)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a scratch PostgreSQL database."""
    if kind == "SQLite":
        url = f"sqlite:///{directory / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        migrate(url)
        yield url
        return
    with scratch_postgres() as url:
        migrate(url)
        yield url


def app_env(directory: Path, url: str) -> dict[str, str]:
    storage = directory / f"storage-{uuid.uuid4().hex[:6]}"
    return {
        "IMAGEAPP_DATABASE_URL": url,
        "IMAGEAPP_STORAGE_DIR": str(storage),
        "IMAGEAPP_SECRET_KEY": "bench-secret",
        "IMAGEAPP_EMBEDDED_WORKER": "false",
    }


def load(clients: list[ImageappClient] | list[BareClient], body: bytes, each: int) -> Run:
    """``run_clients``, with the machine's CPU busy share over the run."""
    busy_before, total_before = cpu_times()
    seconds, latencies = run_clients(clients, body, each)
    busy_after, total_after = cpu_times()
    return Run(
        requests=len(latencies),
        seconds=seconds,
        mb=len(body) * len(latencies) / 1024 / 1024,
        busy=(busy_after - busy_before) / max(1, total_after - total_before),
        p95_ms=p95(latencies),
    )


# (clients, uploads per client) per file: about 10-30 s of work each on 2 cores.
LOADS = {"2 MB JPEG": ((8, 3), (32, 1)), "8 MB JPEG": ((8, 2), (32, 1))}


def baseline_checkout(ref: str, directory: Path) -> Path:
    """The ``imageapp`` package as it was at ``ref`` (``git archive``), to serve beside today's."""
    target = directory / f"baseline-{uuid.uuid4().hex[:6]}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", ref, "imageapp"], cwd=PROJECT_ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def step_one_section(
    bodies: dict[str, bytes], directory: Path, baseline: Path | None = None
) -> dict[tuple[str, ...], Run]:
    print("## Step 1: imageapp / bare Starlette endpoint with the same validation\n", flush=True)
    runs: dict[tuple[str, ...], Run] = {}
    rows = []
    for kind in ("SQLite", "PostgreSQL"):
        with database(kind, directory) as url:
            for workers in (1, 2):
                bare_dir = directory / f"bare-{uuid.uuid4().hex[:6]}"
                bare_dir.mkdir()
                with contextlib.ExitStack() as servers:
                    app = servers.enter_context(serve(IMAGEAPP, app_env(directory, url), workers))
                    bare = servers.enter_context(
                        serve(BARE, {"BENCH_BARE_DIR": str(bare_dir)}, workers)
                    )
                    old = baseline and servers.enter_context(
                        serve(IMAGEAPP, app_env(directory, url), workers, cwd=baseline)
                    )
                    ensure_account(app.base_url)
                    ours = [ImageappClient(app.base_url) for _ in range(32)]
                    theirs = [BareClient(bare.base_url, "/validate") for _ in range(32)]
                    before = [ImageappClient(old.base_url) for _ in range(32)] if old else []
                    for label, body in bodies.items():
                        load(ours[:4], body, 1), load(theirs[:4], body, 1)  # warm every worker
                        if before:
                            load(before[:4], body, 1)
                        for clients, each in LOADS[label]:
                            mine = load(ours[:clients], body, each)
                            other = load(theirs[:clients], body, each)
                            earlier = load(before[:clients], body, each) if before else None
                            key = (kind, str(workers), label, str(clients))
                            runs[key] = mine
                            rows.append(_step_one_row(key, mine, other, earlier))
                shutil.rmtree(bare_dir, ignore_errors=True)
    table(
        [
            "database",
            "workers",
            "file",
            "clients",
            "imageapp MB/s",
            "bare MB/s",
            "ratio (>= 0.8)",
            "imageapp p95 ms",
            "CPU busy imageapp / bare",
            *(["baseline MB/s", "baseline ratio"] if baseline else []),
        ],
        rows,
    )
    return runs


def _step_one_row(
    key: tuple[str, ...], mine: Run, other: Run, earlier: Run | None = None
) -> list[str]:
    row = [
        *key,
        f"{mine.mb_per_s:.1f}",
        f"{other.mb_per_s:.1f}",
        f"{mine.mb_per_s / other.mb_per_s:.2f}x",
        f"{mine.p95_ms:.0f}",
        f"{mine.busy:.0%} / {other.busy:.0%}",
    ]
    if earlier is not None:
        row += [f"{earlier.mb_per_s:.1f}", f"{earlier.mb_per_s / other.mb_per_s:.2f}x"]
    return row


def scaling_section(runs: dict[tuple[str, ...], Run]) -> None:
    print("## Throughput, 2 workers vs 1, 8 clients (step 1)\n", flush=True)
    rows = []
    for kind in ("SQLite", "PostgreSQL"):
        for label in (label for label in LOADS if (kind, "1", label, "8") in runs):
            one, two = runs[kind, "1", label, "8"], runs[kind, "2", label, "8"]
            # Half the headroom one worker leaves, turned into throughput (issue 18).
            target = 1 + 0.5 * (1 / max(one.busy, 0.01) - 1)
            rows.append(
                [
                    kind,
                    label,
                    f"{one.mb_per_s:.1f}",
                    f"{two.mb_per_s:.1f}",
                    f"{two.mb_per_s / one.mb_per_s:.2f}x",
                    f"{one.busy:.0%}",
                    f"{two.busy:.0%}",
                    f"{target:.2f}x",
                ]
            )
    table(
        [
            "database",
            "file",
            "1 worker MB/s",
            "2 workers MB/s",
            "2 vs 1",
            "CPU busy, 1 worker",
            "CPU busy, 2 workers",
            "target (half the headroom)",
        ],
        rows,
    )


class Probe:
    """GET of a path no route has, answered on the event loop (an async 404 handler): its
    latency is the loop's lag plus a tiny request."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            self.http.get("/probe")
            self.samples.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.http.close()


def batching_section(body: bytes, directory: Path) -> None:
    print("## Event-loop lag while 8 uploads of 8 MB stream in (SQLite, 1 worker)\n", flush=True)
    rows = []
    with database("SQLite", directory) as url:
        for label, factory in (("a thread hop per chunk", PER_CHUNK), ("1 MB batches", IMAGEAPP)):
            with serve(factory, app_env(directory, url)) as app:
                ensure_account(app.base_url)
                clients = [ImageappClient(app.base_url) for _ in range(8)]
                load(clients[:2], body, 1)
                with Probe(app.base_url) as probe:
                    run = load(clients, body, 3)
                lag = sorted(probe.samples)
                rows.append(
                    [
                        label,
                        f"{run.mb_per_s:.1f}",
                        f"{statistics.median(lag):.0f}",
                        f"{p95(lag):.0f}",
                        f"{lag[-1]:.0f}",
                        str(len(lag)),
                    ]
                )
    table(["step 1 feeds", "MB/s", "probe p50 ms", "probe p95 ms", "max ms", "probes"], rows)


def step_two_section(big: bytes, directory: Path, samples: int) -> None:
    print("## Step 2 and renditions of a 24 MP JPEG (SQLite, 1 worker + imageapp worker)\n")
    with database("SQLite", directory) as url:
        env = app_env(directory, url)
        log_path = directory / "worker.log"
        with log_path.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "imageapp", "worker", "--concurrency", "1"],
                env=os.environ | env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            with serve(IMAGEAPP, env) as app:
                ensure_account(app.base_url)
                client = ImageappClient(app.base_url)
                step_two, ready = _finalize_times(client, big, sa.create_engine(url), samples)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    # Huey logs "<task>: <id> executed in 1.234s" for every job: the rendition job itself.
    job_ms = [float(found) * 1000 for found in RENDITION_JOB_TIME.findall(log_path.read_text())]
    print(
        f"Step 2 (finalize answer): p50 {statistics.median(step_two):.0f} ms, p95 "
        f"{p95(step_two):.0f} ms over {samples}. Finalize -> {RENDITIONS_PER_IMAGE} renditions "
        f"ready: median {statistics.median(ready):.0f} ms, max {max(ready):.0f} ms; of which "
        f"the rendition job itself: median {statistics.median(job_ms or [0]):.0f} ms "
        f"(load average {os.getloadavg()[0]:.1f}).\n",
        flush=True,
    )


def _finalize_times(
    client: ImageappClient, big: bytes, engine: sa.Engine, samples: int
) -> tuple[list[float], list[float]]:
    step_two, ready = [], []
    for index in range(samples):
        client.upload(big)
        page = client.http.get("/nojs/images/upload/metadata")
        token = re.search(r'name="upload_token" value="([^"]+)"', page.text)
        assert token, page.text
        form = {
            "csrf_token": client.csrf,
            "upload_token": token.group(1),
            "title": f"Harbour {index}",
            "alt_text": "Boats in a harbour",
        }
        start = time.perf_counter()
        answer = client.http.post("/nojs/images/upload/metadata", data=form)
        step_two.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 303, answer.text
        image_id = int(answer.headers["location"].rsplit("/", 1)[1])
        while _renditions(engine, image_id) < RENDITIONS_PER_IMAGE:
            time.sleep(0.01)
        ready.append((time.perf_counter() - start) * 1000)
        time.sleep(IDLE_S)  # a quiet moment, as between two editors' uploads
    return step_two, ready


def _renditions(engine: sa.Engine, image_id: int) -> int:
    with engine.connect() as connection:
        query = sa.text("SELECT count(*) FROM rendition WHERE image_id = :id")
        return int(connection.execute(query, {"id": image_id}).scalar_one())


def reflex_section(body: bytes, directory: Path) -> None:
    """The production server (`make run`), Chromium typing on the upload page."""
    from playwright.sync_api import sync_playwright

    from bench.reflex_events import RECORD_FRAMES, round_trips, uploads_streaming
    from imageapp.db import get_engine
    from imageapp.services.accounts import AccountService
    from tests.browser.conftest import CHROMIUM_ARGS
    from tests.browser.test_event_loop_latency import open_a_card
    from tests.support.prod_server import start_prod_server

    print("## Reflex event round trip while 8 no-JS uploads of 8 MB stream in\n", flush=True)
    (directory / "prod").mkdir()
    server = start_prod_server(directory / "prod")
    try:
        accounts = AccountService(get_engine(server.database_url))
        email = f"bench-{uuid.uuid4().hex[:6]}@example.org"
        accounts.create_user(store_name="Bench", email=email, password=ACCOUNT["password"])
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            page = browser.new_context().new_page()
            page.add_init_script(RECORD_FRAMES)
            page.goto(server.base_url + "/nojs/login")
            page.get_by_label("Email").fill(email)
            page.locator("#password").fill(ACCOUNT["password"])
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/nojs/images")
            field = open_a_card(page, server, directory)
            quiet = round_trips(page, field, 30)
            with uploads_streaming(server.base_url, email, ACCOUNT["password"], body) as load:
                loaded = round_trips(page, field, 60)
            browser.close()
        print(
            f"Quiet: {quiet}. While 8 uploads of 8 MB streamed ({load.completed} finished "
            f"meanwhile): {loaded}.\n",
            flush=True,
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["step1", "batching", "step2", "reflex"], action="append")
    parser.add_argument("--samples", type=int, default=6, help="step-2 samples")
    parser.add_argument(
        "--baseline", metavar="GIT_REF", help="step 1: also serve imageapp as it was at GIT_REF"
    )
    parser.add_argument("--files", choices=["2", "8"], action="append", help="step 1: MB sizes")
    arguments = parser.parse_args()
    chosen = set(arguments.only or ["step1", "batching", "step2", "reflex"])
    print(
        f"# imageapp scale benchmark\n\n{platform.platform()}, {os.cpu_count()} CPUs (shared), "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}\n",
        flush=True,
    )
    directory = Path(tempfile.mkdtemp(prefix="imageapp-scale-"))
    try:
        bodies = {
            f"{size} MB JPEG": jpeg_of_about(
                directory / f"{size}mb.jpg", size, seed=seed
            ).read_bytes()
            for size, seed in ((2, 3), (8, 4))
            if str(size) in (arguments.files or ["2", "8"])
        }
        baseline = arguments.baseline and baseline_checkout(arguments.baseline, directory)
        sections: dict[str, Callable[[], object]] = {
            "step1": lambda: scaling_section(step_one_section(bodies, directory, baseline or None)),
            "batching": lambda: batching_section(bodies["8 MB JPEG"], directory),
            "step2": lambda: step_two_section(_big_jpeg(directory), directory, arguments.samples),
            "reflex": lambda: reflex_section(bodies["8 MB JPEG"], directory),
        }
        for name, section in sections.items():
            if name in chosen:
                started = time.perf_counter()
                section()
                print(f"({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _big_jpeg(directory: Path) -> bytes:
    path = save(photo_like((6000, 4000), seed=1), directory / "24mp.jpg", format="JPEG", quality=90)
    return path.read_bytes()


if __name__ == "__main__":
    main()
