"""The app scaled out: several web workers on Redis and PostgreSQL, plus an `imageapp worker`.

Building the frontend costs minutes, so this server reuses the one `make run` built for the
session's shared server (``prod_server``): a copy of its compiled UI in a web dir of its own,
with the backend address the build baked in (``http://localhost:<shared port>``, the only
place it appears) pointed at this server's port. The backend starts as `reflex run --env
prod` starts it (``run_backend_prod``, the compiled UI mounted, no compile), with rxconfig.py
applying IMAGEAPP_REDIS_URL and IMAGEAPP_WEB_WORKERS as always.

Run as ``python -m tests.support.scaled_server PORT`` (in the project root) by the fixture.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_ADMIN_URL, alembic_upgrade, require_postgres, require_redis
from tests.support.prod_server import (
    MARKER_VARIABLE,
    PROJECT_ROOT,
    STOP_TIMEOUT_S,
    ProdServer,
    free_port,
    git_status,
)

WEB_WORKERS = 2
STARTUP_TIMEOUT_S = 120.0
# Every imageapp log line of a web worker names its process (imageapp/app_logs.py).
LOG_LINE = re.compile(r"^\[(?P<level>[A-Z]+)\] (?P<pid>\d+) (?P<logger>[\w.]+): (?P<message>.*)$")


def copy_built_frontend(
    built_web_dir: Path, web_dir: Path, old_port: int, new_port: int, public_url: str = ""
) -> None:
    """The compiled UI (and the backend's markers) of ``built_web_dir``, for another port, or
    for ``public_url`` (what a build with IMAGEAPP_PUBLIC_URL set bakes in: wss under https)."""
    shutil.copytree(built_web_dir / "backend", web_dir / "backend")
    client = web_dir / "build" / "client"
    shutil.copytree(built_web_dir / "build" / "client", client)
    rewritten = 0
    for env_module in (client / "assets").glob("reflex-env-*.js"):
        text = env_module.read_text(encoding="utf-8")
        text, count = re.subn(
            rf"\b(https?|wss?)://localhost:{old_port}/",
            lambda found: _backend_address(found[1], new_port, public_url),
            text,
        )
        env_module.write_text(text, encoding="utf-8")
        precompressed = env_module.with_name(env_module.name + ".gz")
        if precompressed.exists():
            precompressed.write_bytes(gzip.compress(text.encode("utf-8")))
        rewritten += count
    assert rewritten, f"no backend address localhost:{old_port} found in the built UI"


def _backend_address(scheme: str, port: int, public_url: str) -> str:
    if not public_url:
        return f"{scheme}://localhost:{port}/"
    public = urlsplit(public_url)
    secure = {"http": "https", "ws": "wss"}
    scheme = secure.get(scheme, scheme) if public.scheme == "https" else scheme
    return f"{scheme}://{public.netloc}/"


@dataclasses.dataclass
class ScaledServer:
    """The web server (``server``, its ``process`` the Granian supervisor) and the separate
    job worker, their logs, and the PostgreSQL database and Redis URL they share."""

    server: ProdServer
    worker: subprocess.Popen[bytes]
    worker_log: Path
    redis_url: str

    def web_log(self) -> str:
        return self.server.log_tail(10**8)

    def log_lines(self, logger_prefix: str = "imageapp") -> list[dict[str, str]]:
        """The web workers' imageapp log lines, parsed (pid, logger, message)."""
        lines = (LOG_LINE.match(line) for line in self.web_log().splitlines())
        return [
            match.groupdict()
            for match in lines
            if match and match["logger"].startswith(logger_prefix)
        ]

    def worker_pids(self) -> set[int]:
        """The web worker processes (the supervisor's children)."""
        children = Path(f"/proc/{self.server.process.pid}/task/{self.server.process.pid}/children")
        with contextlib.suppress(FileNotFoundError):
            return {int(pid) for pid in children.read_text().split()}
        return set()


def _environment(workdir: Path, database_url: str, redis_url: str, marker: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IMAGEAPP_", "REFLEX_", "GRANIAN_", "MAKE", "MFLAGS"))
    }
    env.update(
        IMAGEAPP_DATABASE_URL=database_url,
        IMAGEAPP_STORAGE_DIR=str(workdir / "storage"),
        IMAGEAPP_SECRET_KEY=f"test-secret-{marker}",
        IMAGEAPP_REDIS_URL=redis_url,
        IMAGEAPP_WEB_WORKERS=str(WEB_WORKERS),
        IMAGEAPP_EMBEDDED_WORKER="false",  # the separate `imageapp worker` makes renditions
        REFLEX_WEB_WORKDIR=str(workdir / "web"),
        REFLEX_UPLOADED_FILES_DIR=str(workdir / "reflex_uploads"),
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        PATH=f"{PROJECT_ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        **{MARKER_VARIABLE: marker},
    )
    return env


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    require_postgres()
    name = f"imageapp_scaled_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    database_url = url.render_as_string(hide_password=False)
    try:
        alembic_upgrade(database_url)
        yield database_url
    finally:
        from imageapp.db import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def scaled_server(
    shared: ProdServer, workdir: Path, settings: Mapping[str, str] | None = None
) -> Iterator[ScaledServer]:
    """Start it all; stop it all (every process of it) afterwards. ``settings``: more
    IMAGEAPP_ variables (an IMAGEAPP_PUBLIC_URL also goes into the copied UI)."""
    redis_url = require_redis()
    settings = dict(settings or {})
    with fresh_postgres_database() as database_url:
        marker = uuid.uuid4().hex
        port = free_port()
        public_url = settings.get("IMAGEAPP_PUBLIC_URL", "")
        copy_built_frontend(PROJECT_ROOT / ".web", workdir / "web", shared.port, port, public_url)
        env = _environment(workdir, database_url, redis_url, marker) | settings
        web_log, worker_log = workdir / "web.log", workdir / "worker.log"
        git_before = git_status()
        with web_log.open("wb") as log:
            web = subprocess.Popen(
                [sys.executable, "-m", "tests.support.scaled_server", str(port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "imageapp", "worker"],
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = ProdServer(
            base_url=f"http://127.0.0.1:{port}",
            port=port,
            database_url=database_url,
            storage_dir=workdir / "storage",
            reflex_upload_dir=workdir / "reflex_uploads",
            log_path=web_log,
            process=web,
            marker=marker,
            git_status_before=git_before,
        )
        scaled = ScaledServer(server, worker, worker_log, redis_url)
        try:
            _wait_until_serving(scaled)
            yield scaled
        finally:
            _stop(worker)
            leftovers = server.stop()
            assert not leftovers, "processes of the scaled server survived:\n" + "\n".join(
                leftovers
            )


def _wait_until_serving(scaled: ScaledServer) -> None:
    """/ping answers and every web worker has started (each logs its lifespan's start)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(base_url=scaled.server.base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            for process, name in ((scaled.server.process, "web"), (scaled.worker, "worker")):
                if process.poll() is not None:
                    pytest.fail(
                        f"the {name} process exited with {process.returncode}:\n"
                        f"{scaled.web_log()[-6000:]}\n{scaled.worker_log.read_text()[-3000:]}"
                    )
            with contextlib.suppress(httpx.TransportError):
                if client.get("/ping").status_code == 200 and len(scaled.worker_pids()) >= 2:
                    return
            time.sleep(0.5)
    pytest.fail(f"the scaled server did not start:\n{scaled.web_log()[-6000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


def serve(port: int) -> None:
    """What `reflex run --env prod` does once the UI is built: serve it with the backend."""
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    config = get_config()  # reads rxconfig.py: IMAGEAPP_REDIS_URL, IMAGEAPP_WEB_WORKERS
    config._set_persistent(frontend_port=port, backend_port=port)
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    reflex_exec.run_backend_prod("127.0.0.1", port, config.loglevel.subprocess_level(), True)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
