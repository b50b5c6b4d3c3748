"""The app served by uvicorn on loopback for the API tests, and API clients with tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from imageapp.db import get_engine
from imageapp.fallback.app import create_fallback_app
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from tests.images import jpeg_bytes

PASSWORD = "a long test password"


@contextmanager
def served_app() -> Iterator[str]:
    """The fallback app (the API mounted in it) on 127.0.0.1, a free port, in a thread."""
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


def new_user(database_url: str, email: str, store: str) -> CurrentUser:
    accounts = AccountService(get_engine(database_url))
    return accounts.create_user(store_name=store, email=email, password=PASSWORD)


def new_token(database_url: str, user: CurrentUser, scope: str = "write", name: str = "") -> str:
    tokens = ApiTokenService(get_engine(database_url))
    return tokens.create(user_id=user.id, name=name or f"{scope} token", scope=scope).value


def api_client(base_url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=60)


def upload_file(
    client: httpx.Client, data: bytes | None = None, name: str = "p.jpg"
) -> httpx.Response:
    body = data if data is not None else jpeg_bytes()
    return client.post("/uploads", files={"image_file": (name, body, "image/jpeg")})


def uploaded_image(client: httpx.Client, title: str, seed: int, **fields: object) -> dict:
    """One image through both API steps; returns its JSON."""
    step1 = upload_file(client, jpeg_bytes(seed=seed))
    assert step1.status_code == 201, step1.text
    token = step1.json()["upload_token"]
    metadata = {"title": title, "alt_text": f"{title}, described"} | fields
    step2 = client.post(f"/uploads/{token}", json=metadata)
    assert step2.status_code == 201, step2.text
    return step2.json()
