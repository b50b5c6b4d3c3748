"""Issue 10's measurement as a test: people upload, finish and cancel on a real server on
loopback while ``imageapp cleanup-temp --older-than 0`` runs over and over in another thread.

Nothing live may be touched: no 5xx, no valid photo refused, every active image keeps all its
rendition files, no rendition row lacks its file, no cleanup run fails.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from imageapp import cli
from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import FileIntent, Image, Rendition
from imageapp.services.accounts import CurrentUser
from imageapp.services.backends import storage_for
from tests.factories import RENDITIONS_PER_IMAGE
from tests.http.conftest import PASSWORD, csrf_of
from tests.images import jpeg_bytes
from tests.support.live_app import served_app

# Touches stored files: runs on the local disk and on S3 (SeaweedFS).
pytestmark = pytest.mark.both_storages

SESSIONS = 6
ROUNDS = 6
# On a loaded machine the loop can expire every upload before its step 2: sessions then go on
# (same pace, same cleanup) until this many uploads were finished beside it, or time is up.
FINISHED_AT_LEAST = 3
EXTRA_ROUNDS_FOR_S = 90
TOKEN = re.compile(r'name="upload_token" value="([^"]+)"')


@pytest.fixture
def live_server(app_settings: Settings) -> Iterator[str]:
    """The fallback app served by uvicorn on 127.0.0.1 (a free port), in a thread."""
    with served_app() as base_url:
        yield base_url


class Session:
    """One person's browser: logs in, then uploads and finishes, cancels or starts over."""

    def __init__(
        self,
        base_url: str,
        user: CurrentUser,
        photo: bytes,
        problems: list[str],
        finished: list[int],
    ):
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
        self.user, self.photo, self.problems = user, photo, problems
        self.finished = finished  # every session's (list.append is atomic)

    def run(self, number: int) -> None:
        try:
            self._run(number)
        except Exception as exc:  # reported by the test, not lost in a thread
            self.problems.append(f"session {number}: {exc!r}")

    def _run(self, number: int) -> None:
        with self.client:
            login = self.client.post(
                "/nojs/login",
                data={
                    "csrf_token": csrf_of(self.client, "/nojs/login"),
                    "email": self.user.email,
                    "password": PASSWORD,
                },
            )
            self.expect(login, 303, "login")
            self.csrf = csrf_of(self.client)
            deadline = time.monotonic() + EXTRA_ROUNDS_FOR_S
            round_ = 0
            while round_ < ROUNDS or (
                len(self.finished) < FINISHED_AT_LEAST and time.monotonic() < deadline
            ):
                round_ += 1
                if self.step_one():
                    action = (number + round_) % 3
                    if action == 0:
                        self.complete()
                    else:
                        path = "cancel" if action == 1 else "different"
                        response = self.client.post(
                            f"/nojs/images/upload/{path}", data={"csrf_token": self.csrf}
                        )
                        self.expect(response, 303, path)

    def step_one(self) -> bool:
        response = self.client.post(
            "/nojs/images/upload",
            data={"csrf_token": self.csrf},
            files={"image_file": ("photo.jpg", self.photo, "image/jpeg")},
            headers={"Accept": "application/json"},
        )
        return self.expect(response, 201, "step 1 of a valid photo")

    def complete(self) -> None:
        page = self.client.get("/nojs/images/upload/metadata")
        if page.status_code == 303:  # cleaned up already: --older-than 0 is allowed to
            return
        if not self.expect(page, 200, "step 2 form"):
            return
        found = TOKEN.search(page.text)
        assert found, page.text
        response = self.client.post(
            "/nojs/images/upload/metadata",
            data={
                "csrf_token": self.csrf,
                "upload_token": found.group(1),
                "title": "Harbour at dusk",
                "alt_text": "Boats in a harbour at dusk",
            },
        )
        if not self.expect(response, 303, "step 2"):
            return
        location = response.headers["location"]
        if location != "/nojs/images/upload":  # else: expired meanwhile, back to step 1
            self.finished.append(int(location.rsplit("/", 1)[1]))

    def expect(self, response: httpx.Response, status: int, what: str) -> bool:
        if response.status_code != status:
            self.problems.append(f"{what}: {response.status_code} {response.text[:300]}")
            return False
        return True


def cleanup_loop(stop: threading.Event, exits: list[int]) -> None:
    """The operator's loop: the real command, --older-than 0, again and again."""
    while not stop.is_set():
        exits.append(cli.main(["cleanup-temp", "--older-than", "0"]))
        time.sleep(0.05)


def test_cleanup_looping_beside_live_uploads_touches_nothing_live(
    live_server: str, alice: CurrentUser, app_settings: Settings
) -> None:
    problems: list[str] = []
    finished: list[int] = []
    sessions = [
        Session(live_server, alice, jpeg_bytes((900, 600), seed=n), problems, finished)
        for n in range(SESSIONS)
    ]
    stop, exits = threading.Event(), []
    cleaner = threading.Thread(target=cleanup_loop, args=(stop, exits))
    people = [threading.Thread(target=session.run, args=(n,)) for n, session in enumerate(sessions)]
    cleaner.start()
    for thread in people:
        thread.start()
    for thread in people:
        thread.join(timeout=120 + EXTRA_ROUNDS_FOR_S)
    stop.set()
    cleaner.join(timeout=60)

    assert problems == []
    assert len(exits) > 5, exits  # the cleanup really ran all along
    assert set(exits) == {0}
    assert finished, "no upload was finished: the race was not exercised"
    assert_every_active_image_is_whole(app_settings, finished)


def assert_every_active_image_is_whole(settings: Settings, finished: list[int]) -> None:
    engine = get_engine(settings.database_url)
    storage = storage_for(settings)
    with engine.connect() as connection:
        active = dict(
            connection.execute(
                sa.select(Image.id, Image.file_path).where(Image.status == "active")
            ).all()
        )
        renditions = connection.execute(sa.select(Rendition.image_id, Rendition.path)).all()
        intents = connection.scalar(sa.select(sa.func.count()).select_from(FileIntent))
    assert sorted(active) == sorted(finished)
    assert all(storage.exists(path) for path in active.values())
    assert [path for _id, path in renditions if not storage.exists(path)] == []
    per_image = {image_id: 0 for image_id in active}
    for image_id, _path in renditions:
        per_image[image_id] += 1
    assert set(per_image.values()) == {RENDITIONS_PER_IMAGE}, per_image
    assert intents == 0  # every write was settled or withdrawn
