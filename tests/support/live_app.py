"""The fallback app (the API mounted in it) served by uvicorn on 127.0.0.1, for tests that
need a real HTTP server on loopback rather than Starlette's in-process TestClient."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from imageapp.fallback.app import create_fallback_app


@contextmanager
def served_app() -> Iterator[str]:
    """Its base URL, on a free port, served from a thread until the block ends."""
    config = uvicorn.Config(
        create_fallback_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
