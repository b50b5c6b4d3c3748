"""Renditions made at finalize, recorded, rebuilt and removed (real databases, real files)."""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Engine

from imageapp.config import RenditionPreset
from imageapp.models import Image as ImageRow
from imageapp.models import Rendition
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.errors import ImageAppError
from imageapp.services.rebuild import rebuild_renditions
from imageapp.services.renditions import RENDITION_NAME, RenditionService, renditions_of
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import metadata, pending_upload
from tests.images import jpeg_bytes
from tests.images_metadata import (
    GPS_IFD,
    ORIENTATION,
    has_no_personal_metadata,
    jpeg_with_metadata,
    oriented_jpeg,
    png_with_metadata,
    srgb_profile,
    transparent_png,
    webp_with_metadata,
)
from tests.stored import read_bytes, stored_paths


def finished_image(uploads: UploadService, data: bytes | None = None, owner: str = "s1") -> int:
    pending = pending_upload(uploads, owner=owner, data=data)
    return uploads.finalize(token=pending.upload_token, owner=owner, metadata=metadata())


def rendition_rows(engine: Engine, image_id: int | None = None) -> list[sa.Row]:
    query = sa.select(Rendition).order_by(Rendition.preset, Rendition.format)
    if image_id is not None:
        query = query.where(Rendition.image_id == image_id)
    with engine.connect() as connection:
        return list(connection.execute(query))


def public_name(row: sa.Row) -> tuple[int, str]:
    """The image and the public, content-addressed name of a rendition row."""
    found = RENDITION_NAME.match(row.path.rpartition("/")[2])
    assert found, row.path
    return row.image_id, f"{found['preset']}.{found['digest']}.{found['extension']}"


def original_path(engine: Engine, image_id: int) -> str:
    with engine.connect() as connection:
        path = connection.scalar(sa.select(ImageRow.file_path).where(ImageRow.id == image_id))
    assert path
    return path


def files_in(storage: Storage) -> set[str]:
    return stored_paths(storage, "images")


def test_finalize_makes_every_preset_in_avif_webp_and_jpeg(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    image_id = finished_image(uploads, jpeg_bytes((2000, 1000)))
    rows = rendition_rows(engine, image_id)
    assert [(r.preset, r.format, r.width, r.height) for r in rows] == [
        ("thumb", "avif", 320, 160),
        ("thumb", "jpeg", 320, 160),
        ("thumb", "webp", 320, 160),
        ("web", "avif", 1600, 800),
        ("web", "jpeg", 1600, 800),
        ("web", "webp", 1600, 800),
    ]
    stem = Path(original_path(engine, image_id)).stem
    for row in rows:
        assert row.path.rpartition("/")[2].startswith(f"{stem}.{row.preset}.")
        assert storage.size_of(row.path) == row.size_bytes
        with Image.open(BytesIO(read_bytes(storage, row.path))) as image:
            assert image.size == (row.width, row.height)
    assert files_in(storage) == {original_path(engine, image_id)} | {r.path for r in rows}


def test_transparent_images_get_png_instead_of_jpeg(uploads: UploadService, engine: Engine) -> None:
    image_id = finished_image(uploads, transparent_png((400, 200)))
    rows = rendition_rows(engine, image_id)
    assert {(r.preset, r.format) for r in rows} == {
        ("thumb", "avif"),
        ("thumb", "png"),
        ("thumb", "webp"),
        ("web", "avif"),
        ("web", "png"),
        ("web", "webp"),
    }
    assert {(r.width, r.height) for r in rows if r.preset == "web"} == {(400, 200)}


@pytest.mark.parametrize("factory", [jpeg_with_metadata, png_with_metadata, webp_with_metadata])
def test_no_served_file_carries_metadata_but_icc_survives(
    uploads: UploadService, engine: Engine, storage: Storage, factory: object
) -> None:
    image_id = finished_image(uploads, factory())  # type: ignore[operator]
    served = [original_path(engine, image_id), *(r.path for r in rendition_rows(engine, image_id))]
    assert len(served) == 7
    for relative in served:
        data = read_bytes(storage, relative)
        assert b"Exif\x00\x00" not in data, relative
        assert has_no_personal_metadata(data), relative
        with Image.open(BytesIO(read_bytes(storage, relative))) as image:
            assert dict(image.getexif()) == {}, relative
            assert image.getexif().get_ifd(GPS_IFD) == {}
            assert image.info.get("icc_profile") == srgb_profile(), relative


def test_a_rotated_jpeg_original_keeps_only_its_orientation(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    image_id = finished_image(uploads, jpeg_with_metadata(orientation=6))
    with Image.open(BytesIO(read_bytes(storage, original_path(engine, image_id)))) as original:
        assert dict(original.getexif()) == {ORIENTATION: 6}  # no GPS, no maker, no artist
    for row in rendition_rows(engine, image_id):
        data = read_bytes(storage, row.path)
        assert b"Exif\x00\x00" not in data
        assert row.height > row.width  # 96 x 64 stored, shown turned a quarter: upright


def test_a_rendering_failure_keeps_the_image(
    uploads: UploadService,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: RenditionService, image_id: int, presets: object = None) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(RenditionService, "generate", broken)
    with caplog.at_level(logging.WARNING):
        image_id = finished_image(uploads)
    with engine.connect() as connection:
        status = connection.scalar(sa.select(ImageRow.status).where(ImageRow.id == image_id))
    assert status == "active"
    assert rendition_rows(engine) == []
    assert "OSError('disk full'); will be retried" in caplog.text  # by the queue
    monkeypatch.undo()
    report = rebuild_renditions(uploads.renditions)
    assert (report.images, report.rebuilt, report.failed) == (1, 1, 0)
    assert len(rendition_rows(engine, image_id)) == 6


def test_rebuild_skips_done_work_and_redoes_changed_presets(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    first, second = finished_image(uploads), finished_image(uploads, jpeg_bytes(seed=2))
    assert rebuild_renditions(uploads.renditions).rebuilt == 0  # nothing to do
    before = {r.path for r in rendition_rows(engine)}
    public_before = {public_name(r) for r in rendition_rows(engine)}

    settings = uploads.settings
    thumb, web = settings.rendition_presets
    settings.rendition_presets = (thumb.model_copy(update={"webp_quality": 30}), web)
    seen: list[tuple[int, int]] = []
    report = rebuild_renditions(uploads.renditions, progress=lambda *p: seen.append(p))
    assert (report.images, report.rebuilt, report.failed) == (2, 2, 0)
    assert seen == [(1, 2), (2, 2)]
    after = rendition_rows(engine)
    changed = {r.path for r in after} - before
    assert {row.preset for row in after if row.path in changed} == {"thumb"}
    # Stored names are written once (a nonce); the content-addressed public names of what
    # did not change stay the same, so only the thumb WebP gets new URLs.
    new_content = {public_name(r) for r in after} - public_before
    assert {(row.preset, row.format) for row in after if public_name(row) in new_content} == {
        ("thumb", "webp")
    }
    assert files_in(storage) >= {r.path for r in after}
    assert not (before - {r.path for r in after}) & files_in(storage)  # old files removed
    assert {r.image_id for r in after} == {first, second}
    assert rebuild_renditions(uploads.renditions).rebuilt == 0  # resumable: done is done


def test_rebuild_one_preset_and_drop_removed_presets(
    uploads: UploadService, engine: Engine, storage: Storage
) -> None:
    image_id = finished_image(uploads)
    with engine.begin() as connection:  # the web renditions are missing: rows and files
        gone = connection.scalars(
            sa.delete(Rendition).where(Rendition.preset == "web").returning(Rendition.path)
        ).all()
    for path in gone:
        storage.delete(path)
    report = rebuild_renditions(uploads.renditions, preset_name="thumb")
    assert report.rebuilt == 0
    assert {r.preset for r in rendition_rows(engine)} == {"thumb"}
    assert rebuild_renditions(uploads.renditions, preset_name="web").rebuilt == 1

    uploads.settings.rendition_presets = (RenditionPreset(name="small", longest_side=40),)
    report = rebuild_renditions(uploads.renditions)
    assert (report.removed, report.rebuilt) == (6, 1)
    assert {(r.preset, r.format) for r in rendition_rows(engine, image_id)} == {
        ("small", "avif"),
        ("small", "jpeg"),
        ("small", "webp"),
    }
    assert len(files_in(storage)) == 4
    with pytest.raises(ImageAppError) as err:
        rebuild_renditions(uploads.renditions, preset_name="thumb")
    assert err.value.code == "unknown_preset"


def test_renditions_of_lists_them_smallest_first(uploads: UploadService, engine: Engine) -> None:
    image_id = finished_image(uploads, jpeg_bytes((2000, 1000)))
    found = renditions_of(engine, [image_id, 424242])
    assert [(r.preset, r.format) for r in found[image_id]] == [
        ("thumb", "avif"),
        ("thumb", "jpeg"),
        ("thumb", "webp"),
        ("web", "avif"),
        ("web", "jpeg"),
        ("web", "webp"),
    ]
    assert found[424242] == ()
    name = found[image_id][2].file_name
    assert name.startswith("thumb.")
    assert name.endswith(".webp")
    assert len(name.split(".")[1]) == 16


def test_deleting_an_image_removes_its_renditions(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine, storage: Storage
) -> None:
    kept, deleted = finished_image(uploads), finished_image(uploads, jpeg_bytes(seed=3))
    assert cleanup.delete_image(deleted) is True
    assert {r.image_id for r in rendition_rows(engine)} == {kept}
    assert files_in(storage) == {original_path(engine, kept)} | {
        r.path for r in rendition_rows(engine)
    }
    assert cleanup.delete_image(deleted) is False
    assert uploads.renditions.generate(deleted) == 0


@pytest.mark.local_storage_only  # ages files with os.utime (S3: test_s3_storage.py)
def test_orphan_rendition_files_are_swept_when_old(
    uploads: UploadService, cleanup: DiskImageCleanupService, engine: Engine, storage: Storage
) -> None:
    image_id = finished_image(uploads)
    stem = Path(original_path(engine, image_id)).stem
    orphan = storage.write_image_file(f"{stem}.web.0123456789abcdef.webp", b"left by a crash")
    fresh = storage.write_image_file(f"{stem}.web.fedcba9876543210.webp", b"being written")
    an_hour_ago = time.time() - 3600
    os.utime(storage.path_of(orphan), (an_hour_ago, an_hour_ago))
    for row in rendition_rows(engine):
        os.utime(storage.path_of(row.path), (an_hour_ago, an_hour_ago))

    assert cleanup.sweep_orphan_renditions(timedelta(minutes=30)) == 1
    assert not storage.exists(orphan)
    assert storage.exists(fresh)
    assert all(storage.exists(r.path) for r in rendition_rows(engine))
    assert storage.exists(original_path(engine, image_id))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_renditions_of_every_orientation_are_upright(
    uploads: UploadService, engine: Engine, storage: Storage, orientation: int
) -> None:
    image_id = finished_image(uploads, oriented_jpeg(orientation, (240, 120)))
    for row in rendition_rows(engine, image_id):
        with Image.open(BytesIO(read_bytes(storage, row.path))) as image:
            picture = image.convert("RGB")
        assert picture.width > picture.height
        top_left = picture.getpixel((1, 1))
        bottom_right = picture.getpixel((picture.width - 2, picture.height - 2))
        where = (orientation, row.preset, row.format)
        assert is_red(top_left), where
        assert not is_red(bottom_right), where


def is_red(colour: object) -> bool:
    red, green, blue = colour  # type: ignore[misc]
    return bool(red > 200 and green < 80 and blue < 80)
