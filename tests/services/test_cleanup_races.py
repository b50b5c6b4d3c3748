"""Cleanup never races live work: the races of issue 10, driven step by step on a real DB and disk.

Each test runs the sweeps of ``cleanup-temp --older-than 0`` at the exact moment a writer has
its file on disk but not yet in a row, then checks that nothing live was touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.config import Settings
from imageapp.models import Image, Rendition
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.incoming import IncomingUpload
from imageapp.services.rebuild import rebuild_renditions
from imageapp.services.renditions import RenditionService
from imageapp.services.storage import LocalStorage, Storage
from imageapp.services.uploads import PendingUpload, UploadService
from tests.factories import RENDITIONS_PER_IMAGE, a_store, metadata, pending_upload
from tests.images import jpeg_bytes, png_bytes
from tests.stored import temp_names

NOW = timedelta(0)


def sweep_everything(cleanup: DiskImageCleanupService) -> int:
    """What ``cleanup-temp --older-than 0`` does to files; returns how many it removed."""
    return (
        cleanup.sweep_orphan_temp_files(NOW)
        + cleanup.sweep_orphan_renditions(NOW)
        + cleanup.sweep_orphan_originals(NOW)
    )


def receiving(uploads: UploadService) -> IncomingUpload[PendingUpload]:
    return uploads.receive(
        filename="photo.jpg",
        client_mime_type="image/jpeg",
        owner="session-1",
        store_id=a_store(uploads.engine),
    )


def rendition_files_missing(engine: Engine, storage: Storage) -> list[str]:
    with engine.connect() as connection:
        paths = connection.scalars(sa.select(Rendition.path)).all()
    return [path for path in paths if not storage.exists(path)]


def test_a_step_one_still_streaming_and_validating_is_not_an_orphan(
    uploads: UploadService, cleanup: DiskImageCleanupService, storage: Storage
) -> None:
    data = jpeg_bytes((640, 480), seed=7)
    incoming = receiving(uploads)
    incoming.write(data[: len(data) // 2])
    if isinstance(storage, LocalStorage):
        assert temp_names(storage)  # the file is on disk, no row names it yet
    # (a bucket's file is spooled locally until validated: test_a_validated_upload_... below)
    assert sweep_everything(cleanup) == 0
    incoming.write(data[len(data) // 2 :])
    assert cleanup.cleanup_expired_pending(NOW) == 0
    assert sweep_everything(cleanup) == 0  # written, not validated, not recorded

    pending = incoming.finish()
    assert storage.exists(pending.temp_path)
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert image_id == pending.image_id


class SweepingBeforeTheRow(UploadService):
    """Runs the sweeps after validation, right before the pending row is inserted."""

    def __init__(self, *, sweeper: DiskImageCleanupService, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sweeper = sweeper
        self.removed = 0

    def _record_pending(self, *args: Any, **kwargs: Any) -> PendingUpload:
        self.removed += sweep_everything(self.sweeper)
        return super()._record_pending(*args, **kwargs)


def test_a_validated_upload_about_to_be_recorded_is_not_an_orphan(
    engine: Engine, storage: Storage, settings: Settings, cleanup: DiskImageCleanupService
) -> None:
    uploads = SweepingBeforeTheRow(
        engine=engine, storage=storage, settings=settings, cleanup=cleanup, sweeper=cleanup
    )
    for data in (jpeg_bytes((320, 240), seed=3), png_bytes(seed=4)):
        pending = pending_upload(uploads, data=data)
        assert storage.exists(pending.temp_path)
    assert uploads.removed == 0


def sweeping_storage(storage: Storage, sweeper: DiskImageCleanupService) -> Any:
    """The same real storage (disk or bucket), running the sweeps after each rendition file
    is written."""

    class SweepingStorage(type(storage)):  # type: ignore[misc]
        removed = 0

        def write_image_file(self, name: str, data: bytes) -> str:
            relative: str = super().write_image_file(name, data)
            self.removed += sweep_everything(sweeper)
            return relative

    sweeping = SweepingStorage.__new__(SweepingStorage)
    sweeping.__dict__.update(storage.__dict__)
    return sweeping


def test_renditions_written_but_not_yet_recorded_are_not_orphans(
    engine: Engine, storage: Storage, settings: Settings, cleanup: DiskImageCleanupService
) -> None:
    sweeping = sweeping_storage(storage, cleanup)
    uploads = UploadService(
        engine=engine,
        storage=storage,
        settings=settings,
        cleanup=cleanup,
        renditions=RenditionService(engine=engine, storage=sweeping, settings=settings),
    )
    pending = pending_upload(uploads, data=jpeg_bytes((800, 600), seed=5))
    image_id = uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())
    assert sweeping.removed == 0
    with engine.connect() as connection:
        count = connection.scalar(
            sa.select(sa.func.count()).select_from(Rendition).where(Rendition.image_id == image_id)
        )
    assert count == RENDITIONS_PER_IMAGE
    assert rendition_files_missing(engine, storage) == []
    assert (
        uploads.renditions.generate(image_id) == RENDITIONS_PER_IMAGE
    )  # a rebuild racing the sweeps too
    assert sweeping.removed == 0
    assert rendition_files_missing(engine, storage) == []


def stem_of(engine: Engine, image_id: int) -> str:
    with engine.connect() as connection:
        path = connection.scalar(sa.select(Image.file_path).where(Image.id == image_id))
    assert path
    return Path(path).stem


def finished(uploads: UploadService, seed: int = 1) -> int:
    pending = pending_upload(uploads, data=jpeg_bytes(seed=seed))
    return uploads.finalize(token=pending.upload_token, owner="session-1", metadata=metadata())


@pytest.mark.local_storage_only  # a bucket's objects appear whole: no unfinished files
def test_unfinished_files_of_killed_writers_are_swept(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine, storage: Storage
) -> None:
    """``.part`` and ``.strip`` files a kill -9 leaves behind, of every kind of file."""
    image_id = finished(uploads)
    stem = stem_of(engine, image_id)
    gone = "0b7c4a0e-0000-4000-8000-00000000dead"
    leftovers = [
        storage.images_dir / f".{stem}.web.0123456789abcdef.0badc0de.webp.part",  # rendition
        storage.images_dir / f".{stem}.thumb.0123456789abcdef.jpg.part",  # older name form
        storage.images_dir / f".{gone}.jpg.part",  # an original copied across devices
        storage.temp_dir / f".{gone}.png.strip",  # a pending file losing its metadata
        storage.temp_dir / f".{gone}.webp.upright",  # a pending file being turned upright
    ]
    for path in leftovers:
        path.write_bytes(b"half written")
    assert sweep_everything(cleanup) == len(leftovers)
    assert [path for path in leftovers if path.exists()] == []

    # The same kinds of file while their writer is alive: announced, so they stay.
    live_pending = pending_upload(uploads, data=png_bytes(seed=9))
    live_strip = storage.temp_dir / f".{Path(live_pending.temp_path).name}.strip"
    live_strip.write_bytes(b"being written")
    announced = f"images/{stem}.web.fedcba9876543210.12345678.webp"
    uploads.intents.declare([announced])
    live_part = storage.images_dir / f".{Path(announced).name}.part"
    live_part.write_bytes(b"being written")
    assert sweep_everything(cleanup) == 0
    assert live_strip.exists()
    assert live_part.exists()
    assert rendition_files_missing(engine, storage) == []


class VanishingStorage(LocalStorage):
    """Lists a temp file that is removed before the sweep looks at it (finalized meanwhile)."""

    def iter_temp_files(self) -> Iterator[Path]:
        yield self.temp_dir / "0b7c4a0e-0000-4000-8000-0000000000ff.jpg"
        yield from super().iter_temp_files()


@pytest.mark.local_storage_only
def test_a_file_removed_during_the_sweep_is_no_error(engine: Engine, storage: Storage) -> None:
    sweeper = DiskImageCleanupService(engine, VanishingStorage(storage.root))
    assert sweeper.sweep_orphan_temp_files(NOW) == 0


def test_rebuild_remakes_renditions_whose_file_is_missing(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    image_id, intact = finished(uploads, seed=2), finished(uploads, seed=3)
    with engine.connect() as connection:
        lost = connection.scalar(
            sa.select(Rendition.path).where(
                Rendition.image_id == image_id, Rendition.preset == "web"
            )
        )
    storage.delete(lost)
    assert rendition_files_missing(engine, storage) == [lost]

    report = rebuild_renditions(uploads.renditions)
    assert (report.images, report.rebuilt, report.failed) == (2, 1, 0)
    assert rendition_files_missing(engine, storage) == []
    with engine.connect() as connection:
        presets = connection.execute(
            sa.select(Rendition.image_id, Rendition.preset, Rendition.format)
        ).all()
    assert len(presets) == 2 * RENDITIONS_PER_IMAGE
    assert {row.image_id for row in presets} == {image_id, intact}
    assert rebuild_renditions(uploads.renditions).rebuilt == 0
