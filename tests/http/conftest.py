"""The mounted FastAPI fallback app, driven through Starlette's TestClient (real DB and disk)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.fallback.app import create_fallback_app
from imageapp.models import Image
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.backends import storage_for
from imageapp.services.factory import build_upload_service
from imageapp.services.uploads import UploadService
from tests.conftest import configure_settings, use_bucket
from tests.images import jpeg_bytes

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')
FLASH_PATTERN = re.compile(r'<p class="flash flash-\w+" role="\w+">([^<]*)</p>')


@pytest.fixture
def app_settings(
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    storage_backend: str,
) -> Settings:
    use_bucket(request, monkeypatch, storage_backend)
    return configure_settings(tmp_path, sqlite_url, monkeypatch)


@pytest.fixture
def service(app_settings: Settings) -> UploadService:
    return build_upload_service(app_settings)


PASSWORD = "a long test password"


def new_client(app_settings: Settings) -> TestClient:
    return TestClient(create_fallback_app(), base_url="http://testserver", follow_redirects=False)


@pytest.fixture
def accounts(app_settings: Settings) -> AccountService:
    return AccountService(get_engine(app_settings.database_url))


def make_user(
    accounts: AccountService, email: str, store: str, *, admin: bool = False
) -> CurrentUser:
    return accounts.create_user(store_name=store, email=email, password=PASSWORD, is_admin=admin)


def log_in(client: TestClient, email: str, password: str = PASSWORD):  # -> httpx.Response
    response = client.post(
        "/nojs/login",
        data={"csrf_token": csrf_of(client, "/nojs/login"), "email": email, "password": password},
    )
    return response


@pytest.fixture
def alice(accounts: AccountService) -> CurrentUser:
    return make_user(accounts, "alice@example.com", "Harbour Photos", admin=True)


@pytest.fixture
def bob(accounts: AccountService, alice: CurrentUser) -> CurrentUser:
    """Alice's colleague: same store, not an admin."""
    return make_user(accounts, "bob@example.com", alice.store_name)


@pytest.fixture
def carol(accounts: AccountService) -> CurrentUser:
    """Someone from another store."""
    return make_user(accounts, "carol@example.com", "Meadow Studio")


@pytest.fixture
def anonymous(app_settings: Settings) -> Iterator[TestClient]:
    with new_client(app_settings) as test_client:
        yield test_client


def logged_in_client(app_settings: Settings, user: CurrentUser) -> Iterator[TestClient]:
    with new_client(app_settings) as test_client:
        assert log_in(test_client, user.email).status_code == 303
        yield test_client


@pytest.fixture
def client(app_settings: Settings, alice: CurrentUser) -> Iterator[TestClient]:
    """Alice's browser, logged in."""
    yield from logged_in_client(app_settings, alice)


@pytest.fixture
def other_client(app_settings: Settings, bob: CurrentUser) -> Iterator[TestClient]:
    """A second browser: Bob's, a colleague of Alice in the same store."""
    yield from logged_in_client(app_settings, bob)


@pytest.fixture
def stranger_client(app_settings: Settings, carol: CurrentUser) -> Iterator[TestClient]:
    """Carol's browser: a member of another store."""
    yield from logged_in_client(app_settings, carol)


def csrf_of(client: TestClient, page: str = "/nojs/images/upload") -> str:
    response = client.get(page)
    found = CSRF_PATTERN.search(response.text)
    assert found, response.text
    return found.group(1)


def upload(
    client: TestClient,
    data: bytes | None = None,
    filename: str = "photo.jpg",
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
):  # -> httpx.Response
    token = csrf if csrf is not None else csrf_of(client)
    return client.post(
        "/nojs/images/upload",
        data={"csrf_token": token},
        files={"image_file": (filename, data if data is not None else jpeg_bytes(), "image/jpeg")},
        headers=headers or {},
    )


def complete(client: TestClient, **fields: str):  # -> httpx.Response
    page = client.get("/nojs/images/upload/metadata")
    token = re.search(r'name="upload_token" value="([^"]+)"', page.text)
    assert token, page.text
    form = {
        "csrf_token": csrf_of(client),
        "upload_token": token.group(1),
        "title": "Sunset",
        "alt_text": "The sun setting over the sea",
    } | fields
    return client.post("/nojs/images/upload/metadata", data=form)


def finished_image(client: TestClient, title: str, seed: int, **fields: str) -> int:
    """One image through both upload steps; returns its id."""
    assert upload(client, data=jpeg_bytes(seed=seed)).status_code == 303
    response = complete(client, title=title, **fields)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def new_gallery(client: TestClient, title: str, **fields: str) -> int:
    response = client.post(
        "/nojs/galleries",
        data={"csrf_token": csrf_of(client, "/nojs/galleries"), "title": title} | fields,
    )
    assert response.status_code == 303
    found = re.match(r"/nojs/galleries/(\d+)$", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def bulk(client: TestClient, image_ids: list[int] | list[str], action: str, **fields: str):
    """The library's bulk form as a browser sends it: one image_id field per checked box."""
    form = [("csrf_token", csrf_of(client, "/nojs/images")), ("action", action)]
    form += [("image_id", str(image_id)) for image_id in image_ids]
    form += list(fields.items())
    return client.post(
        "/nojs/images/bulk",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def move_to_trash(client: TestClient, image_ids: list[int], back: str = "/nojs/images"):
    """The library's delete as a browser does it: the bulk form, then the confirmation."""
    asked = bulk(client, image_ids, "delete", back=back)
    assert asked.status_code == 200, asked.text
    fields = [(name, html.unescape(value)) for name, value in HIDDEN.findall(asked.text)]
    return client.post(
        "/nojs/images/bulk/delete",
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def flash_of(client: TestClient, page: str = "/nojs/images") -> str:
    """The flash messages the next page shows (it consumes them)."""
    return " ".join(html.unescape(found) for found in FLASH_PATTERN.findall(client.get(page).text))


def stored_images(settings: Settings, user: CurrentUser, count: int) -> list[int]:
    """Many finished images at once, straight into the database and storage (a real row and a
    real file each) for tests about selections, not about uploading."""
    storage = storage_for(settings)
    rows = []
    for n in range(count):
        name = f"{uuid.uuid4()}.jpg"
        storage.write_image_file(name, b"not decoded by these tests")
        rows.append(
            Image(
                status="active",
                file_path=f"images/{name}",
                original_filename=f"p{n}.jpg",
                mime_type="image/jpeg",
                size_bytes=26,
                width=4,
                height=3,
                title=f"Stored {n}",
                alt_text="A stored image",
                slug=f"stored-{n}",
                store_id=user.store_id,
            )
        )
    with Session(get_engine(settings.database_url)) as session:
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows if row.id is not None]


def post_form(
    client: TestClient, path: str, pairs: list[tuple[str, str]], page: str = "/nojs/trash"
):
    """A form POST as a browser sends it (``image_id`` may repeat), with the CSRF token."""
    form = [("csrf_token", csrf_of(client, page)), *pairs]
    return client.post(
        path,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def restore_from_trash(client: TestClient, image_ids: list[int], **fields: str):
    pairs = [("image_id", str(image_id)) for image_id in image_ids] + list(fields.items())
    return post_form(client, "/nojs/trash/restore", pairs)


def empty_trash(client: TestClient):
    """ "Empty the trash…", then the confirmation page's button, as a browser does it."""
    asked = post_form(client, "/nojs/trash/delete", [("scope", "all")])
    assert asked.status_code == 200, asked.text
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', asked.text)
    return client.post(
        "/nojs/trash/delete",
        content=urlencode([(name, html.unescape(value)) for name, value in fields]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
