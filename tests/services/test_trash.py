"""The trash on real SQLite and PostgreSQL: a delete takes an image out of every listing,
gallery, cover and media query; a restore puts it back in the same place with its cover and
tags; delete forever (by hand or by cleanup-temp after IMAGEAPP_TRASH_DAYS) removes rows and
files; quotas count the trash; restore, delete forever and expiry of one image race cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from imageapp.config import Settings, get_settings
from imageapp.models import FileRemoval, GalleryImage, Image, ImageTag, Rendition, Store, utcnow
from imageapp.services.accounts import CurrentUser
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.duplicates import active_duplicates
from imageapp.services.errors import UploadRejected
from imageapp.services.galleries import GalleryService
from imageapp.services.housekeeping import clean_up
from imageapp.services.library import LibraryFilter, list_images
from imageapp.services.media import active_image_file, active_rendition_file
from imageapp.services.storage import IMAGES, Storage
from imageapp.services.thumbnails import list_pictures
from imageapp.services.trash import TrashService
from imageapp.services.uploads import UploadService
from imageapp.services.usecases.library import show_image
from tests.factories import finished_image
from tests.images import jpeg_bytes
from tests.stored import stored_paths


def library_ids(engine: Engine, store_id: int, status: str = "all") -> list[int]:
    with Session(engine) as session:
        found = list_images(session, store_id=store_id, filters=LibraryFilter(status=status))
    return [image.id for image in found.items]


def files_of(engine: Engine, image_id: int) -> set[str]:
    with engine.connect() as connection:
        original = connection.scalar(sa.select(col(Image.file_path)).where(Image.id == image_id))
        renditions = connection.scalars(
            sa.select(col(Rendition.path)).where(col(Rendition.image_id) == image_id)
        ).all()
    return {original, *renditions} if original else set(renditions)


def on_disk(storage: Storage) -> set[str]:
    return stored_paths(storage, IMAGES)


def rows(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_deleted_images_leave_everything_and_come_back_in_their_place(
    bulk: BulkService,
    trash: TrashService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
    engine: Engine,
    storage: Storage,
) -> None:
    store = alice.store_id
    a, b, c, d = (finished_image(uploads, alice, seed) for seed in range(4))
    gallery = galleries.create(store_id=store, title="Harbour")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[a, b, c, d])
    galleries.set_featured(store_id=store, gallery_id=gallery, image_id=c)
    bulk.add_tags(store_id=store, image_ids=[c], tags="quay, boats")
    with engine.connect() as connection:
        sha_of_c = connection.scalar(sa.select(col(Image.sha256)).where(Image.id == c))

    deleted = bulk.delete(store_id=store, image_ids=[b, c], user_id=alice.id)

    assert (deleted.done, deleted.image_ids) == (2, (b, c))
    assert library_ids(engine, store) == [d, a]
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [a, d]
    summary = galleries.get(store_id=store, gallery_id=gallery)
    assert (summary.image_count, summary.cover_image_id) == (2, a)  # the cover shown falls back
    assert active_image_file(engine, storage, c, store_scope=store) is None
    assert active_rendition_file(engine, storage, c, "thumb", "jpeg", store_scope=store) is None
    assert list_pictures(engine, store_id=store, image_ids=[a, c]).keys() == {a}
    assert show_image(engine, store_id=store, image_id=c) is None
    assert active_duplicates(engine, sha_of_c, store_id=store) == ()  # a re-upload is new
    assert bulk.select(store_id=store, image_ids=[a, c]).ignored_ids == (c,)
    assert bulk.set_status(store_id=store, image_ids=[c], status="inactive").done == 0
    assert galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[c]) == []
    listing = trash.page(store_id=store)
    assert [(item.id, item.trashed_by) for item in listing.items] == [
        (c, "alice@example.com"),
        (b, "alice@example.com"),
    ]
    assert files_of(engine, c) <= on_disk(storage)  # the files wait in the trash too

    assert trash.restore(store_id=store, image_ids=[b, c]) == sorted([b, c])

    assert library_ids(engine, store) == [d, c, b, a]
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [a, b, c, d]
    summary = galleries.get(store_id=store, gallery_id=gallery)
    assert (summary.image_count, summary.cover_image_id) == (4, c)
    shown = show_image(engine, store_id=store, image_id=c)
    assert shown is not None
    assert shown.image.tags == ("boats", "quay")
    assert active_image_file(engine, storage, c, store_scope=store) is not None
    assert trash.page(store_id=store).total == 0


def test_a_trashed_image_keeps_its_slot_while_the_gallery_is_reordered(
    bulk: BulkService,
    trash: TrashService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
) -> None:
    store = alice.store_id
    a, b, c, d = (finished_image(uploads, alice, seed) for seed in range(4))
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[a, b, c, d])
    bulk.delete(store_id=store, image_ids=[b])
    # A whole new order keeps b's slot (the 2nd); a later move keeps it between d and a.
    galleries.set_order(store_id=store, gallery_id=gallery, image_ids=[d, a, c])
    galleries.move(store_id=store, gallery_id=gallery, image_id=c, position=1)
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [c, d, a]
    trash.restore(store_id=store, image_ids=None)
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [c, d, b, a]


def test_delete_forever_removes_rows_and_files(
    bulk: BulkService,
    trash: TrashService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
    engine: Engine,
    storage: Storage,
) -> None:
    store = alice.store_id
    kept, gone = finished_image(uploads, alice, 1), finished_image(uploads, alice, 2)
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[kept, gone])
    bulk.add_tags(store_id=store, image_ids=[gone], tags="sea")
    kept_files, gone_files = files_of(engine, kept), files_of(engine, gone)
    assert len(gone_files) > 1  # the original and its renditions
    bulk.delete(store_id=store, image_ids=[gone])
    assert trash.delete_forever(store_id=store, image_ids=[kept]) == 0  # not in the trash

    assert trash.delete_forever(store_id=store, image_ids=[gone]) == 1

    assert library_ids(engine, store) == [kept]
    assert rows(engine, Image) == 1
    assert rows(engine, GalleryImage) == 1
    assert rows(engine, ImageTag) == 0
    assert rows(engine, FileRemoval) == 0  # the removal job finished
    assert on_disk(storage) == kept_files  # nothing orphaned, nothing of the kept one lost
    assert trash.delete_forever(store_id=store, image_ids=[gone]) == 0  # sent twice


def test_one_delete_is_found_again_for_its_undo(
    bulk: BulkService, trash: TrashService, uploads: UploadService, alice: CurrentUser
) -> None:
    """The no-JS "Undo" keeps only the delete's moment; the trash gives back its images."""
    store = alice.store_id
    a, b, c = (finished_image(uploads, alice, seed) for seed in range(3))
    first = bulk.delete(store_id=store, image_ids=[a])
    second = bulk.delete(store_id=store, image_ids=[b, c])
    assert first.at is not None
    assert second.at is not None
    assert trash.trashed_together(store_id=store, at=first.at) == [a]
    assert trash.trashed_together(store_id=store, at=second.at) == sorted([b, c])
    trash.restore(store_id=store, image_ids=[b])
    assert trash.trashed_together(store_id=store, at=second.at) == [c]
    assert trash.trashed_together(store_id=store + 1, at=second.at) == []


def test_emptying_the_trash_stops_at_what_was_asked_about(
    bulk: BulkService, trash: TrashService, uploads: UploadService, alice: CurrentUser
) -> None:
    store = alice.store_id
    first, later = finished_image(uploads, alice, 1), finished_image(uploads, alice, 2)
    bulk.delete(store_id=store, image_ids=[first])
    asked_at = trash.page(store_id=store).newest
    bulk.delete(store_id=store, image_ids=[later])  # after the question was shown
    assert trash.delete_forever(store_id=store, image_ids=None, until=asked_at) == 1
    assert [item.id for item in trash.page(store_id=store).items] == [later]


def test_cleanup_temp_empties_the_trash_after_trash_days(
    bulk: BulkService,
    uploads: UploadService,
    alice: CurrentUser,
    engine: Engine,
    storage: Storage,
    cleanup: DiskImageCleanupService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IMAGEAPP_TRASH_DAYS", "7")
    get_settings.cache_clear()
    assert get_settings().trash_days == 7
    store = alice.store_id
    old, recent, kept = (finished_image(uploads, alice, seed) for seed in range(3))
    bulk.delete(store_id=store, image_ids=[old, recent])
    with engine.begin() as connection:
        connection.execute(
            sa.update(Image).where(Image.id == old).values(trashed_at=utcnow() - timedelta(days=8))
        )
        connection.execute(
            sa.update(Image)
            .where(Image.id == recent)
            .values(trashed_at=utcnow() - timedelta(days=6))
        )
    expected_left = files_of(engine, recent) | files_of(engine, kept)

    report = clean_up(cleanup, 60, get_settings().trash_days)

    assert report.trashed == 1
    assert (
        "Deleted 1 image(s) forever that had been in the trash longer than 7 days."
        in report.lines()
    )
    assert [item.id for item in TrashService(engine, cleanup).page(store_id=store).items] == [
        recent
    ]
    assert on_disk(storage) == expected_left
    assert clean_up(cleanup, 60, 7).trashed == 0  # the next run finds nothing


def test_the_quota_counts_the_trash_until_it_is_gone_for_good(
    bulk: BulkService,
    trash: TrashService,
    uploads: UploadService,
    alice: CurrentUser,
    engine: Engine,
) -> None:
    store = alice.store_id
    with engine.begin() as connection:
        connection.execute(sa.update(Store).where(Store.id == store).values(max_images=2))
    a, _b = finished_image(uploads, alice, 1), finished_image(uploads, alice, 2)
    bulk.delete(store_id=store, image_ids=[a])

    def step_one() -> object:
        return uploads.create_pending(
            stream=BytesIO(jpeg_bytes((40, 30), seed=9)),
            filename="p.jpg",
            owner=alice.upload_owner,
            store_id=store,
            uploaded_by=alice.id,
        )

    with pytest.raises(UploadRejected) as refused:
        step_one()
    assert refused.value.code == "quota_images"
    assert "images in the trash still count" in refused.value.message
    trash.delete_forever(store_id=store, image_ids=[a])
    assert step_one() is not None


# -- races -----------------------------------------------------------------------------------


def just_before_delete(engine: Engine, action: Callable[[], None]) -> list[str]:
    """Run ``action`` once, right before delete forever's first statement on the image rows
    (PostgreSQL: the row lock; SQLite: the recording INSERT, which takes the write lock)."""
    fired: list[str] = []

    def before(*args: Any) -> None:
        statement = args[2]
        if fired or not ("FOR UPDATE" in statement or "INSERT INTO file_removal" in statement):
            return
        fired.append(statement)
        action()

    sa.event.listen(engine, "before_cursor_execute", before)
    return fired


def test_a_restore_just_before_delete_forever_wins(
    bulk: BulkService,
    uploads: UploadService,
    alice: CurrentUser,
    settings: Settings,
    engine: Engine,
    storage: Storage,
) -> None:
    store = alice.store_id
    image = finished_image(uploads, alice, 1)
    files = files_of(engine, image)
    bulk.delete(store_id=store, image_ids=[image])
    other = sa.create_engine(settings.database_url)  # another web process
    restorer = TrashService(other, DiskImageCleanupService(other, storage))
    fired = just_before_delete(
        engine, lambda: restorer.restore(store_id=store, image_ids=[image]) and None
    )
    deleter = TrashService(engine, DiskImageCleanupService(engine, storage))

    assert deleter.delete_forever(store_id=store, image_ids=[image]) == 0

    other.dispose()
    assert fired  # the moment came
    assert library_ids(engine, store) == [image]
    assert files <= on_disk(storage)


@pytest.mark.parametrize("rival", ["restore", "delete_forever", "expiry"])
def test_racing_a_delete_forever_ends_in_one_whole_state(
    rival: str,
    bulk: BulkService,
    uploads: UploadService,
    alice: CurrentUser,
    settings: Settings,
    engine: Engine,
    storage: Storage,
) -> None:
    """Two processes at once on the same trashed images, several rounds: each image ends
    either restored with all its files, or gone with all its files; never in between."""
    store = alice.store_id
    images = [finished_image(uploads, alice, seed) for seed in range(6)]
    files = {image: files_of(engine, image) for image in images}
    engines = [sa.create_engine(settings.database_url) for _ in range(2)]
    services = [TrashService(e, DiskImageCleanupService(e, storage)) for e in engines]
    results: dict[str, Any] = {}
    for image in images:
        bulk.delete(store_id=store, image_ids=[image])
        with engine.begin() as connection:  # expired, for the expiry rival
            connection.execute(
                sa.update(Image)
                .where(Image.id == image)
                .values(trashed_at=utcnow() - timedelta(days=40))
            )
        start = threading.Barrier(2)

        def forever(
            service: TrashService = services[0], image: int = image, start: Any = start
        ) -> None:
            start.wait()
            results["forever"] = service.delete_forever(store_id=store, image_ids=[image])

        def other(
            service: TrashService = services[1], image: int = image, start: Any = start
        ) -> None:
            start.wait()
            if rival == "restore":
                results["rival"] = len(service.restore(store_id=store, image_ids=[image]))
            elif rival == "delete_forever":  # a form sent twice
                results["rival"] = service.delete_forever(store_id=store, image_ids=[image])
            else:
                results["rival"] = service.empty_expired(timedelta(days=30))

        threads = [threading.Thread(target=forever), threading.Thread(target=other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results["forever"] + results["rival"] == 1  # exactly one of them did it
        restored = rival == "restore" and results["rival"] == 1
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(col(Image.trashed_at)).where(Image.id == image)
            ).first()
        if restored:
            assert row is not None
            assert row.trashed_at is None
            assert files[image] <= on_disk(storage)
        else:
            assert row is None
            assert not files[image] & on_disk(storage)
    for each in engines:
        each.dispose()
    assert rows(engine, FileRemoval) == 0
