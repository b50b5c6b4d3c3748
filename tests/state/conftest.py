"""Reflex states under pytest: real services on a temp SQLite file and storage dir."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import pytest
import reflex as rx
from reflex.istate.data import RouterData

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.factory import build_upload_service
from imageapp.services.uploads import PendingUpload
from imageapp.session_cookie import AUTH_KEY, COOKIE_NAME, SessionCodec
from tests.conftest import configure_settings
from tests.factories import metadata
from tests.images import jpeg_bytes

Result = TypeVar("Result")
State = TypeVar("State", bound=rx.State)
PASSWORD = "a long enough password"


@dataclasses.dataclass(frozen=True)
class Member:
    """A logged-in user and the Cookie header their browser sends."""

    user: CurrentUser
    cookie: str


@pytest.fixture
def app_settings(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """get_settings() points at an empty, migrated SQLite file (what the handlers read)."""
    return configure_settings(tmp_path, sqlite_url, monkeypatch)


@pytest.fixture
def member(app_settings: Settings) -> Member:
    return sign_in(app_settings)


def sign_in(settings: Settings, store: str = "Harbour Photos") -> Member:
    """A new user of ``store``, logged in: the cookie holds their login session."""
    accounts = AccountService(get_engine(settings.database_url))
    user = accounts.create_user(
        store_name=store, email=f"{uuid.uuid4().hex[:10]}@example.com", password=PASSWORD
    )
    token = accounts.start_session(user)
    return Member(user, session_cookie(settings, {AUTH_KEY: token}))


def session_cookie(settings: Settings, session: dict[str, Any]) -> str:
    """The Cookie header a browser with this session sends with its WebSocket."""
    value = SessionCodec(settings.resolved_secret_key()).encode(session)
    return f"other=1; {COOKIE_NAME}={value}"


def make_state(state_class: type[State], cookie: str | None = None, path: str = "/") -> State:
    """A fresh state as a browser connected with ``cookie`` on page ``path`` would have it."""
    state = state_class(_reflex_internal_init=True)  # type: ignore[call-arg]
    headers = {"cookie": cookie} if cookie else {}
    state.router = RouterData.from_router_data(
        {"headers": {"origin": "http://test", **headers}, "pathname": path, "asPath": path}
    )
    return state


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """Run a handler in its own thread and loop (Playwright's sync API may own this one)."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def call(handler: Any, state: rx.State, *args: Any) -> Any:
    """Run one event handler (sync, async, generator or background) as Reflex would."""
    result = handler.fn(state, *args)
    if asyncio.iscoroutine(result):
        return run(result)
    if hasattr(result, "__anext__"):

        async def collect() -> list[Any]:
            return [item async for item in result]

        return run(collect())
    return result


def pending_of(member: Member, data: bytes | None = None, name: str = "photo.jpg") -> PendingUpload:
    """A pending upload of this member's, made through the service (as the no-JS page does)."""
    return build_upload_service().create_pending(
        stream=BytesIO(data if data is not None else jpeg_bytes()),
        filename=name,
        owner=member.user.upload_owner,
        client_mime_type="image/jpeg",
        store_id=member.user.store_id,
        uploaded_by=member.user.id,
    )


def active_image(member: Member, title: str, **fields: str) -> int:
    """An image of the member's store in the library."""
    pending = pending_of(member, jpeg_bytes(seed=len(title)))
    return build_upload_service().finalize(
        token=pending.upload_token,
        owner=member.user.upload_owner,
        metadata=metadata(title, **fields),
    )
