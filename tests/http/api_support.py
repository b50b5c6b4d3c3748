"""The app served by uvicorn on loopback for the API tests, and API clients with tokens."""

from __future__ import annotations

import httpx

from imageapp.db import get_engine
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from tests.images import jpeg_bytes

PASSWORD = "a long test password"


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
