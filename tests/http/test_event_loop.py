"""The no-JS pages never block the event loop: every route, once, with blocking calls watched.

Reflex and the no-JS pages share ONE event loop per worker: a database query, disk access,
image decode or password hash run on it stalls every Reflex event of every browser meanwhile.
The watch (tests/support/loop_watch.py) records such calls made on the loop's own thread, so
this fails deterministically whatever the machine's speed. Timing under load: see
tests/browser/test_event_loop_latency.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from imageapp.config import Settings
from imageapp.db import get_engine
from tests.http.conftest import (
    PASSWORD,
    bulk,
    complete,
    csrf_of,
    new_client,
    new_gallery,
    upload,
)
from tests.images import jpeg_bytes
from tests.support.loop_watch import LoopWatch, watching_the_loop


def form(client: TestClient, path: str, page: str = "/nojs/images", **fields: str):  # -> Response
    return client.post(path, data={"csrf_token": csrf_of(client, page)} | fields)


def first_run(client: TestClient) -> None:
    """Setup, log out, log in again (argon2 and sessions), a member added, the list pages."""
    assert client.get("/nojs/setup").status_code == 200
    fields = {"store_name": "Harbour", "email": "ann@example.com"}
    secret = {"password": PASSWORD, "password_confirm": PASSWORD}
    assert form(client, "/nojs/setup", "/nojs/setup", **fields, **secret).status_code == 303
    assert form(client, "/nojs/logout").headers["location"] == "/nojs/login"
    wrong = form(client, "/nojs/login", "/nojs/login", email="ann@example.com", password="nope!")
    assert wrong.headers["location"].startswith("/nojs/login")
    right = form(client, "/nojs/login", "/nojs/login", email="ann@example.com", password=PASSWORD)
    assert right.headers["location"] == "/nojs/images"
    member = {"email": "ben@example.com", "password": PASSWORD}
    assert form(client, "/nojs/users", "/nojs/users", **member).status_code == 303
    for page in ("/nojs/images", "/nojs/users", "/nojs/galleries", "/nojs/images?q=x"):
        assert client.get(page).status_code == 200


def upload_steps(client: TestClient) -> int:
    """Step 1 (refused, cancelled, replaced, kept), the preview, step 2 (invalid, then valid)."""
    assert upload(client, data=b"not an image").headers["location"] == "/nojs/images/upload"
    assert upload(client, data=jpeg_bytes(seed=1)).status_code == 303
    assert form(client, "/nojs/images/upload/cancel").status_code == 303
    assert upload(client, data=jpeg_bytes(seed=2)).status_code == 303
    assert form(client, "/nojs/images/upload/different").status_code == 303
    json_step = upload(client, data=jpeg_bytes(seed=3), headers={"Accept": "application/json"})
    assert json_step.status_code == 201
    assert client.get("/nojs/images/upload/preview").status_code == 200
    assert complete(client, alt_text="").headers["location"] == "/nojs/images/upload/metadata"
    done = complete(client, title="Harbour at dawn")
    assert done.status_code == 303, done.text
    return int(done.headers["location"].rsplit("/", 1)[1])


def galleries_and_bulk(client: TestClient, image_id: int) -> None:
    """A gallery made, filled, ordered, featured and emptied; bulk actions and a bulk delete."""
    second = upload_steps(client)
    gallery_id = new_gallery(client, "Harbour")
    assert bulk(
        client, [image_id, second], "add_to_gallery", gallery_id=str(gallery_id)
    ).is_redirect
    base = f"/nojs/galleries/{gallery_id}"
    for page in (base, f"{base}/edit", f"{base}/delete", f"/nojs/images/{image_id}"):
        assert client.get(page).status_code == 200, page
    assert form(client, f"{base}/edit", base, title="Harbour 2025").status_code == 303
    moved = form(client, f"{base}/move", base, image_id=str(second), position="1")
    assert moved.status_code == 303
    assert form(client, f"{base}/featured", base, image_id=str(image_id)).status_code == 303
    assert form(client, f"{base}/remove", base, image_id=str(second)).status_code == 303
    assert form(client, f"{base}/delete", base).status_code == 303
    assert bulk(client, [image_id], "set_inactive").is_redirect
    assert bulk(client, [image_id], "add_tags", tags="sea, dawn").is_redirect
    confirm = bulk(client, [image_id, second], "delete")
    assert confirm.status_code == 200
    assert "to the trash" in confirm.text
    deleted = client.post(
        "/nojs/images/bulk/delete",
        data={"csrf_token": csrf_of(client), "image_id": [str(image_id), str(second)]},
    )
    assert deleted.status_code == 303
    assert 'class="undo"' in client.get("/nojs/images").text
    trash(client, image_id, second)


def trash(client: TestClient, image_id: int, second: int) -> None:
    """The trash: its page and thumbnail, restore, delete forever with its question."""
    assert client.get("/nojs/trash").status_code == 200
    assert client.get(f"/nojs/trash/{image_id}/thumbnail").status_code == 200
    token = csrf_of(client, "/nojs/trash")
    restore = {"csrf_token": token, "image_id": [str(image_id)]}
    assert client.post("/nojs/trash/restore", data=restore).status_code == 303
    ask = {"csrf_token": token, "image_id": [str(second)]}
    assert client.post("/nojs/trash/delete", data=ask).status_code == 200
    confirmed = ask | {"confirmed": "yes"}
    assert client.post("/nojs/trash/delete", data=confirmed).status_code == 303


def media(client: TestClient) -> None:
    """The media route of an active image, and a 404."""
    image_id = upload_steps(client)
    page = client.get(f"/nojs/images/{image_id}").text
    found = re.search(rf'src="(/media/{image_id}[^"]*)"', page)
    assert found, page
    assert client.get(found.group(1)).status_code in (200, 307)
    assert client.get("/nojs/images/999999").status_code == 404


@pytest.mark.parametrize("journey", [first_run, upload_steps, galleries_and_bulk, media])
def test_no_route_blocks_the_event_loop(
    app_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    journey: Callable[..., object],
) -> None:
    with new_client(app_settings) as client:
        if journey is not first_run:
            first_run(client)
        arguments = (client, upload_steps(client)) if journey is galleries_and_bulk else (client,)
        with watching_the_loop(monkeypatch) as watch:
            journey(*arguments)
    assert_nothing_blocked(watch)


def assert_nothing_blocked(watch: LoopWatch) -> None:
    assert not watch.found, (
        f"{len(watch.found)} blocking call(s) on the event loop, the first ones:\n" + watch.report()
    )


def test_the_watch_sees_blocking_calls_on_the_loop_and_not_in_threads(
    app_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard above is only worth something if it sees what it looks for."""
    engine = get_engine(app_settings.database_url)

    def blocking() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        (tmp_path / "note.txt").write_text("on disk")

    async def both() -> None:
        await asyncio.to_thread(blocking)  # fine: a worker thread
        blocking()  # not fine: the loop's own thread

    with watching_the_loop(monkeypatch) as watch:
        asyncio.run(both())
    seen = [item.what for item in watch.found]
    assert seen == ["database: SELECT 1", f"disk: open({str(tmp_path / 'note.txt')!r})"]
