"""Where one no-JS step 1 spends its time: ``python -m bench.profile_step1 [--db postgresql]``.

The fallback app runs in this process (httpx's ASGI transport, a logged-in session, a 2 MB
photo-like JPEG, JSON answer). For the profile, work the app hands to a thread runs inline
instead, so cProfile sees the whole request on one thread. SQLAlchemy events count, per
request, the statements, transactions and pool checkouts (each checkout is a ping round trip
on PostgreSQL: ``pool_pre_ping``). Prints the counts, the statements of one request and the
top of the profile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import sqlalchemy as sa

from bench.images import jpeg_of_about
from bench.scale import database
from bench.upload import ACCOUNT, csrf_of


class Counter:
    """Statements, transactions and pool checkouts of one engine, since the last reset."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        self.begins = self.checkouts = 0
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "begin", self._begin)
        sa.event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(" ".join(statement.split())[:110])

    def _begin(self, _conn: Any) -> None:
        self.begins += 1

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def reset(self) -> None:
        self.statements.clear()
        self.begins = self.checkouts = 0


async def _inline(func: Callable[..., Any], *args: Any, **_options: Any) -> Any:
    return func(*args)


@contextmanager
def threads_inline() -> Any:
    """Thread hops run on the caller's thread (profiling only: it blocks the loop)."""
    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    try:
        yield
    finally:
        anyio.to_thread.run_sync = original


async def _logged_in(http: httpx.AsyncClient) -> str:
    page = await http.get("/nojs/setup")
    if page.status_code == 200:
        form = ACCOUNT | {"password_confirm": ACCOUNT["password"], "csrf_token": csrf_of(page)}
        await http.post("/nojs/setup", data=form)
    page = await http.get("/nojs/images/upload")
    if page.status_code == 303:
        login = await http.get("/nojs/login")
        form = {"email": ACCOUNT["email"], "password": ACCOUNT["password"]}
        await http.post("/nojs/login", data=form | {"csrf_token": csrf_of(login)})
        page = await http.get("/nojs/images/upload")
    return csrf_of(page)


async def _run(body: bytes, requests: int, profile: cProfile.Profile) -> tuple[Counter, float]:
    from imageapp.db import get_engine
    from imageapp.fallback.app import create_fallback_app

    app = create_fallback_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        csrf = await _logged_in(http)
        encoded = httpx.Request(
            "POST",
            "http://bench/",
            data={"csrf_token": csrf},
            files={"image_file": ("photo.jpg", body, "image/jpeg")},
        )
        content, content_type = encoded.read(), encoded.headers["Content-Type"]
        headers = {"Accept": "application/json", "Content-Type": content_type}

        async def upload() -> None:
            answer = await http.post("/nojs/images/upload", content=content, headers=headers)
            assert answer.status_code == 201, answer.text

        for _ in range(3):  # warm: imports, pools, templates
            await upload()
        counter = Counter(get_engine())
        with threads_inline():
            await upload()
            counted = Counter.__new__(Counter)
            counted.statements = list(counter.statements)
            counted.begins, counted.checkouts = counter.begins, counter.checkouts
            started = time.perf_counter()
            profile.enable()
            for _ in range(requests):
                await upload()
            profile.disable()
            elapsed = (time.perf_counter() - started) / requests
    return counted, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=35)
    arguments = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="imageapp-profile-"))
    body = jpeg_of_about(directory / "2mb.jpg", 2, seed=3).read_bytes()
    kind = "SQLite" if arguments.db == "sqlite" else "PostgreSQL"
    with database(kind, directory) as url:
        os.environ |= {
            "IMAGEAPP_DATABASE_URL": url,
            "IMAGEAPP_STORAGE_DIR": str(directory / "storage"),
            "IMAGEAPP_SECRET_KEY": "bench-secret",
            "IMAGEAPP_EMBEDDED_WORKER": "false",
        }
        profile = cProfile.Profile()
        counted, elapsed = asyncio.run(_run(body, arguments.requests, profile))
        from imageapp.db import dispose_engines

        dispose_engines()
    print(f"# step 1, {len(body) / 1024 / 1024:.1f} MB JPEG, {kind}: {elapsed * 1000:.1f} ms")
    print(
        f"statements {len(counted.statements)}, transactions {counted.begins}, "
        f"pool checkouts {counted.checkouts}"
    )
    for statement in counted.statements:
        print("  ", re.sub(r"\s+", " ", statement))
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(arguments.top)
    stats.sort_stats("tottime").print_stats(arguments.top)
    stats.sort_stats("cumulative").print_stats(r"imageapp/|sqlalchemy/engine/base|PIL/", 60)
    print(out.getvalue())


if __name__ == "__main__":
    main()
