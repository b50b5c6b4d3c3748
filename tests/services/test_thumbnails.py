"""List pictures on real SQLite and PostgreSQL: only what the media route would serve."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.thumbnails import list_pictures
from imageapp.services.uploads import UploadService
from tests.factories import finished_image


def test_pictures_only_for_the_stores_active_images(
    engine: Engine, uploads: UploadService, cleanup: DiskImageCleanupService
) -> None:
    accounts = AccountService(engine)
    alice = accounts.create_user(store_name="A", email="a@example.com", password="long password 1")
    carol = accounts.create_user(store_name="C", email="c@example.com", password="long password 1")
    shown, hidden = finished_image(uploads, alice, 1), finished_image(uploads, alice, 2)
    foreign = finished_image(uploads, carol, 3)
    BulkService(engine, cleanup).set_status(
        store_id=alice.store_id, image_ids=[hidden], status="inactive"
    )
    pictures = list_pictures(
        engine, store_id=alice.store_id, image_ids=[shown, hidden, foreign, 424242]
    )
    assert set(pictures) == {shown}
    assert (pictures[shown].width, pictures[shown].height) == (40, 30)
    assert list_pictures(engine, store_id=alice.store_id, image_ids=[]) == {}
