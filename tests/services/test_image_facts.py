"""facts_of: status and size of a store's finished images, never another store's or pending."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.image_facts import ImageFacts, facts_of
from imageapp.services.uploads import UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes


def member(engine: Engine, store: str) -> CurrentUser:
    return AccountService(engine).create_user(
        store_name=store, email=f"{store.lower()}@example.com", password="long password 1"
    )


def finished(uploads: UploadService, user: CurrentUser, size: tuple[int, int], seed: int) -> int:
    pending = uploads.create_pending(
        stream=BytesIO(jpeg_bytes(size, seed=seed)),
        filename="p.jpg",
        owner=user.upload_owner,
        store_id=user.store_id,
        uploaded_by=user.id,
    )
    return uploads.finalize(
        token=pending.upload_token, owner=user.upload_owner, metadata=metadata(f"Photo {seed}")
    )


def test_status_and_size_of_the_stores_finished_images_only(
    engine: Engine, uploads: UploadService, cleanup: DiskImageCleanupService
) -> None:
    alice, carol = member(engine, "Harbour"), member(engine, "Meadow")
    shown = finished(uploads, alice, (40, 30), seed=1)
    hidden = finished(uploads, alice, (30, 60), seed=2)
    BulkService(engine, cleanup).set_status(
        store_id=alice.store_id, image_ids=[hidden], status="inactive"
    )
    pending = uploads.create_pending(
        stream=BytesIO(jpeg_bytes(seed=3)),
        filename="p.jpg",
        owner=alice.upload_owner,
        store_id=alice.store_id,
        uploaded_by=alice.id,
    )
    foreign = finished(uploads, carol, (40, 30), seed=4)
    asked = [shown, hidden, pending.image_id, foreign, 999_999, shown]

    facts = facts_of(engine, store_id=alice.store_id, image_ids=asked)

    assert facts == {
        shown: ImageFacts(shown, "active", 40, 30),
        hidden: ImageFacts(hidden, "inactive", 30, 60),
    }
    assert facts[shown].is_active
    assert not facts[hidden].is_active


def test_many_ids_and_none(engine: Engine) -> None:
    alice = member(engine, "Harbour")

    assert facts_of(engine, store_id=alice.store_id, image_ids=[]) == {}
    assert facts_of(engine, store_id=alice.store_id, image_ids=range(1, 1300)) == {}
