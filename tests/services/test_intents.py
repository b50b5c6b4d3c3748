"""Write intents: leases that keep live files safe, expire for crashed writers, and fence stalls."""

from __future__ import annotations

import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.models import FileIntent, Image, Rendition, utcnow
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.errors import UploadRejected
from imageapp.services.intents import FileIntents, IntentLost
from imageapp.services.renditions import RenditionService, RenditionsStalled
from imageapp.services.storage import LocalStorage, Storage
from imageapp.services.uploads import UploadService
from tests.factories import a_store, metadata, pending_upload
from tests.images import jpeg_bytes
from tests.services.test_cleanup_races import receiving, sweep_everything
from tests.stored import temp_names


def intent_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(sa.select(FileIntent.path)))


def expire_all_intents(engine: Engine) -> None:
    """What time does to the intents of a writer that stopped renewing them."""
    with engine.begin() as connection:
        connection.execute(sa.update(FileIntent).values(expires_at=utcnow() - timedelta(seconds=1)))


def test_intents_are_settled_with_their_rows(uploads: UploadService, engine: Engine) -> None:
    pending = pending_upload(uploads)
    assert intent_rows(engine) == []
    uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert intent_rows(engine) == []


@pytest.mark.parametrize("payload", [b"not an image at all" * 200, jpeg_bytes()[:-400]])
def test_a_refused_upload_leaves_no_intent(
    uploads: UploadService, engine: Engine, storage: Storage, payload: bytes
) -> None:
    with pytest.raises(UploadRejected):
        uploads.create_pending(
            stream=BytesIO(payload), filename="x.jpg", owner="s", store_id=a_store(engine)
        )
    assert intent_rows(engine) == []
    assert temp_names(storage) == []


@pytest.mark.local_storage_only  # a LocalStorage file mid-write / subclass
def test_a_crashed_writers_file_is_swept_once_its_lease_ends(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine, storage: Storage
) -> None:
    incoming = receiving(uploads)
    incoming.write(jpeg_bytes((400, 300)))  # then the process dies: nobody finishes or aborts it
    (temp_file,) = storage.temp_dir.iterdir()
    assert cleanup.reclaim_abandoned_writes() == 0
    assert sweep_everything(cleanup) == 0  # still within its lease

    expire_all_intents(engine)
    assert cleanup.reclaim_abandoned_writes() == 1
    assert sweep_everything(cleanup) == 1
    assert not temp_file.exists()
    assert intent_rows(engine) == []
    incoming.abort()  # this "dead" writer is the test process: close its handle


def test_a_writer_that_stalled_past_its_lease_is_refused_cleanly(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine, storage: Storage
) -> None:
    incoming = receiving(uploads)
    incoming.write(jpeg_bytes((400, 300)))
    expire_all_intents(engine)
    cleanup.reclaim_abandoned_writes()
    sweep_everything(cleanup)

    with pytest.raises(UploadRejected) as err:
        incoming.finish()
    assert err.value.code == "stalled"
    assert "paused for too long" in err.value.message
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Image)) == 0
    assert temp_names(storage) == []


def test_recording_after_the_intent_was_reclaimed_is_refused(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine
) -> None:
    """The fence: reclaim and record both delete the intent; only one of them can."""
    intent = uploads.intents.declare(["temp/0b7c4a0e-0000-4000-8000-000000000001.jpg"])
    expire_all_intents(engine)
    assert cleanup.reclaim_abandoned_writes() == 1
    with pytest.raises(IntentLost), engine.begin() as connection:
        uploads.intents.fulfil(connection, intent)
    with pytest.raises(IntentLost):
        uploads.intents.renew(intent)


def test_a_slow_upload_keeps_its_lease_while_bytes_arrive(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine
) -> None:
    """Streaming for longer than the lease: every chunk renews it, so no sweep touches it."""
    uploads.intents = FileIntents(engine, lease=timedelta(seconds=1), renew_after=timedelta(0))
    data = jpeg_bytes((400, 300), seed=11)
    incoming = receiving(uploads)
    started = time.monotonic()
    for start in range(0, len(data), len(data) // 6 + 1):
        incoming.write(data[start : start + len(data) // 6 + 1])
        time.sleep(0.35)
        cleanup.reclaim_abandoned_writes()
        assert sweep_everything(cleanup) == 0
    assert time.monotonic() - started > 2  # twice the lease
    pending = incoming.finish()
    assert uploads.storage.exists(pending.temp_path)
    assert intent_rows(engine) == []


class ReclaimingStorage(LocalStorage):
    """Real storage; after writing a rendition, the writer's lease runs out and is reclaimed."""

    def __init__(self, root: Path, engine: Engine, cleanup: DiskImageCleanupService) -> None:
        super().__init__(root)
        self.engine = engine
        self.cleanup = cleanup

    def write_image_file(self, name: str, data: bytes) -> str:
        relative = super().write_image_file(name, data)
        expire_all_intents(self.engine)
        self.cleanup.reclaim_abandoned_writes()
        sweep_everything(self.cleanup)
        return relative


@pytest.mark.local_storage_only  # a LocalStorage file mid-write / subclass
def test_renditions_outliving_their_lease_record_nothing(
    uploads: UploadService,
    cleanup: DiskImageCleanupService,
    engine: Engine,
    storage: Storage,
    settings: Settings,
) -> None:
    pending = pending_upload(uploads)
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    with engine.connect() as connection:
        before = set(connection.scalars(sa.select(Rendition.path)))
    files_before = {p.name for p in storage.images_dir.iterdir()}
    stalling = RenditionService(
        engine=engine, storage=ReclaimingStorage(storage.root, engine, cleanup), settings=settings
    )
    with pytest.raises(RenditionsStalled):
        stalling.generate(image_id)
    with engine.connect() as connection:
        assert set(connection.scalars(sa.select(Rendition.path))) == before
    assert {p.name for p in storage.images_dir.iterdir()} == files_before  # its files went
    assert all(storage.exists(path) for path in before)
    assert intent_rows(engine) == []
