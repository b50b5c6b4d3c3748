"""Galleries and bulk actions on real SQLite and PostgreSQL, with real files."""

from __future__ import annotations

import threading
from io import BytesIO

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from imageapp.models import GalleryImage, ImageTag, Rendition
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.bulk import BulkService
from imageapp.services.errors import FormInvalid
from imageapp.services.galleries import GAP, GalleryNotFound, GalleryService
from imageapp.services.library import LibraryFilter, list_images
from imageapp.services.media import active_image_file
from imageapp.services.storage import Storage
from imageapp.services.uploads import UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes
from tests.stored import stored_paths


def member(engine: Engine, store: str) -> CurrentUser:
    return AccountService(engine).create_user(
        store_name=store, email=f"{store.lower()}@example.com", password="long password 1"
    )


@pytest.fixture
def alice(engine: Engine) -> CurrentUser:
    return member(engine, "Harbour")


@pytest.fixture
def carol(engine: Engine) -> CurrentUser:
    return member(engine, "Meadow")


def images_of(uploads: UploadService, user: CurrentUser, count: int) -> list[int]:
    ids = []
    for n in range(count):
        pending = uploads.create_pending(
            stream=BytesIO(jpeg_bytes((40, 30), seed=n + 100 * user.id)),
            filename="p.jpg",
            owner=user.upload_owner,
            store_id=user.store_id,
            uploaded_by=user.id,
        )
        ids.append(
            uploads.finalize(
                token=pending.upload_token, owner=user.upload_owner, metadata=metadata(f"Photo {n}")
            )
        )
    return ids


def test_create_rename_delete_keeps_images(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser, engine: Engine
) -> None:
    ids = images_of(uploads, alice, 2)
    gallery = galleries.create(store_id=alice.store_id, title="Summer 2025")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery, image_ids=ids)
    summary = galleries.get(store_id=alice.store_id, gallery_id=gallery)
    assert (summary.slug, summary.image_count, summary.cover_image_id) == ("summer-2025", 2, ids[0])
    second = galleries.create(store_id=alice.store_id, title="Summer 2025")
    assert galleries.get(store_id=alice.store_id, gallery_id=second).slug == "summer-2025-2"
    galleries.update(store_id=alice.store_id, gallery_id=gallery, title="Summer", slug="summer")
    assert galleries.get(store_id=alice.store_id, gallery_id=gallery).title == "Summer"
    with pytest.raises(FormInvalid):
        galleries.update(store_id=alice.store_id, gallery_id=second, title="X", slug="summer")
    galleries.delete(store_id=alice.store_id, gallery_id=gallery)
    with Session(engine) as session:
        assert list_images(session, store_id=alice.store_id).total == 2
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(GalleryImage)) == 0


def test_ordering_move_insert_remove(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser
) -> None:
    a, b, c, d = images_of(uploads, alice, 4)
    store = alice.store_id
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[a, b, c])
    galleries.move(store_id=store, gallery_id=gallery, image_id=c, position=1)
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [c, a, b]
    galleries.move(store_id=store, gallery_id=gallery, image_id=c, position=99)
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [a, b, c]
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[d, a])  # a: already in
    galleries.move(store_id=store, gallery_id=gallery, image_id=d, position=2)  # insert at N
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [a, d, b, c]
    galleries.remove_images(store_id=store, gallery_id=gallery, image_ids=[d])
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [a, b, c]
    galleries.set_order(store_id=store, gallery_id=gallery, image_ids=[b, 999, c])
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == [b, c, a]


def test_moves_are_gap_tolerant(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser, engine: Engine
) -> None:
    """Repeated inserts between the same neighbours only renumber when the gap is used up."""
    ids = images_of(uploads, alice, 3)
    store = alice.store_id
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=ids)
    for _ in range(15):  # 1024 halves ten times before it runs out
        galleries.move(store_id=store, gallery_id=gallery, image_id=ids[2], position=2)
        galleries.move(store_id=store, gallery_id=gallery, image_id=ids[1], position=2)
    order = galleries.image_ids(store_id=store, gallery_id=gallery)
    assert sorted(order) == sorted(ids)
    assert len(order) == 3
    with engine.connect() as connection:
        values = connection.scalars(sa.select(GalleryImage.display_order)).all()
    assert len(set(values)) == 3  # never two images at the same place
    assert max(values) <= 3 * GAP * 2


def test_featured_is_the_cover_and_unique(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser
) -> None:
    a, b = images_of(uploads, alice, 2)
    store = alice.store_id
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=[a, b])
    galleries.set_featured(store_id=store, gallery_id=gallery, image_id=b)
    galleries.set_featured(store_id=store, gallery_id=gallery, image_id=a)
    assert galleries.get(store_id=store, gallery_id=gallery).cover_image_id == a
    galleries.set_featured(store_id=store, gallery_id=gallery, image_id=None)
    assert galleries.get(store_id=store, gallery_id=gallery).cover_image_id == a  # first


def test_galleries_are_store_scoped(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser, carol: CurrentUser
) -> None:
    mine = images_of(uploads, alice, 1)
    theirs = images_of(uploads, carol, 1)
    gallery = galleries.create(store_id=alice.store_id, title="G")
    added = galleries.add_images(
        store_id=alice.store_id, gallery_id=gallery, image_ids=[*theirs, *mine]
    )
    assert added == mine
    for action in (
        lambda: galleries.get(store_id=carol.store_id, gallery_id=gallery),
        lambda: galleries.delete(store_id=carol.store_id, gallery_id=gallery),
        lambda: galleries.move(
            store_id=carol.store_id, gallery_id=gallery, image_id=mine[0], position=1
        ),
    ):
        with pytest.raises(GalleryNotFound):
            action()
    assert galleries.summaries(store_id=carol.store_id) == []


def test_concurrent_reorders_keep_a_consistent_order(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser
) -> None:
    ids = images_of(uploads, alice, 6)
    store = alice.store_id
    gallery = galleries.create(store_id=store, title="G")
    galleries.add_images(store_id=store, gallery_id=gallery, image_ids=ids)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def reorder(moves: list[tuple[int, int]]) -> None:
        barrier.wait()
        try:
            for image_id, position in moves:
                galleries.move(
                    store_id=store, gallery_id=gallery, image_id=image_id, position=position
                )
        except BaseException as exc:  # collected: asserted below
            errors.append(exc)

    first = [(ids[n % 6], (n * 5) % 6 + 1) for n in range(20)]
    second = [(ids[(n + 3) % 6], (n * 7) % 6 + 1) for n in range(20)]
    threads = [threading.Thread(target=reorder, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = galleries.image_ids(store_id=store, gallery_id=gallery)
    assert sorted(final) == sorted(ids)  # nobody lost, nobody twice
    assert galleries.image_ids(store_id=store, gallery_id=gallery) == final  # stable


def test_bulk_delete_leaves_nothing_behind(
    bulk: BulkService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
    carol: CurrentUser,
    storage: Storage,
    engine: Engine,
) -> None:
    ids = images_of(uploads, alice, 3)
    foreign = images_of(uploads, carol, 1)
    gallery = galleries.create(store_id=alice.store_id, title="G")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery, image_ids=ids[:2])
    bulk.add_tags(store_id=alice.store_id, image_ids=ids, tags="sea")
    preview = bulk.preview_delete(store_id=alice.store_id, image_ids=[*ids[:2], *foreign])
    assert (preview.image_count, preview.gallery_count) == (2, 1)
    assert preview.ignored_ids == tuple(foreign)
    result = bulk.delete(store_id=alice.store_id, image_ids=[*ids[:2], *foreign])
    assert (result.done, result.ignored_ids) == (2, tuple(foreign))
    # In the trash: gone from the gallery people see, every row and file kept until forever.
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery) == []
    forever = bulk.trash.delete_forever(store_id=alice.store_id, image_ids=[*ids, *foreign])
    assert forever == 2
    with engine.connect() as connection:
        placements = connection.scalar(sa.select(sa.func.count()).select_from(GalleryImage))
        tag_links = connection.scalars(sa.select(ImageTag.image_id)).all()
        rendition_paths = connection.scalars(sa.select(Rendition.path)).all()
        file_paths = connection.scalars(sa.text("SELECT file_path FROM image")).all()
    assert placements == 0
    assert set(tag_links) == {ids[2]}
    on_disk = stored_paths(storage, "images")
    assert on_disk == set(rendition_paths) | set(file_paths)  # no orphan file, nothing missing


def test_bulk_status_hides_images_from_media(
    bulk: BulkService,
    uploads: UploadService,
    alice: CurrentUser,
    storage: Storage,
    engine: Engine,
) -> None:
    ids = images_of(uploads, alice, 2)
    assert active_image_file(engine, storage, ids[0], store_scope=alice.store_id) is not None
    result = bulk.set_status(store_id=alice.store_id, image_ids=ids, status="inactive")
    assert result.done == 2
    assert active_image_file(engine, storage, ids[0], store_scope=alice.store_id) is None
    with Session(engine) as session:
        inactive = list_images(
            session, store_id=alice.store_id, filters=LibraryFilter(status="inactive")
        )
    assert {image.id for image in inactive.items} == set(ids)
    bulk.set_status(store_id=alice.store_id, image_ids=ids[:1], status="active")
    assert active_image_file(engine, storage, ids[0], store_scope=alice.store_id) is not None


def test_every_bulk_action_ignores_other_stores(
    bulk: BulkService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
    carol: CurrentUser,
    engine: Engine,
) -> None:
    foreign = images_of(uploads, carol, 2)
    gallery = galleries.create(store_id=alice.store_id, title="G")
    results = [
        bulk.set_status(store_id=alice.store_id, image_ids=foreign, status="inactive"),
        bulk.add_tags(store_id=alice.store_id, image_ids=foreign, tags="stolen"),
        bulk.add_to_gallery(store_id=alice.store_id, image_ids=foreign, gallery_id=gallery),
        bulk.remove_from_gallery(store_id=alice.store_id, image_ids=foreign, gallery_id=gallery),
        bulk.delete(store_id=alice.store_id, image_ids=foreign),
    ]
    for result in results:
        assert result.done == 0
        assert result.ignored_ids == tuple(foreign)
    with Session(engine) as session:
        assert list_images(session, store_id=carol.store_id).total == 2  # untouched, active
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(ImageTag)) == 0


def test_library_filters(
    bulk: BulkService,
    galleries: GalleryService,
    uploads: UploadService,
    alice: CurrentUser,
    engine: Engine,
) -> None:
    a, b, c = images_of(uploads, alice, 3)
    bulk.add_tags(store_id=alice.store_id, image_ids=[a, c], tags="Beach")
    gallery = galleries.create(store_id=alice.store_id, title="G")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery, image_ids=[c, a])
    with Session(engine) as session:

        def ids(**filters: object) -> list[int]:
            found = list_images(session, store_id=alice.store_id, filters=LibraryFilter(**filters))
            return [image.id for image in found.items]

        assert ids(tag="beach") == [c, a]
        assert ids(gallery_id=gallery) == [c, a]  # gallery order
        assert ids(text="photo 1") == [b]
        assert ids(text="%") == []  # wildcards are text, not patterns
        assert ids(status="all") == [c, b, a]


def test_step_two_can_place_the_image_in_a_gallery(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser, carol: CurrentUser
) -> None:
    first = images_of(uploads, alice, 1)
    gallery = galleries.create(store_id=alice.store_id, title="G")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery, image_ids=first)
    foreign_gallery = galleries.create(store_id=carol.store_id, title="Theirs")
    pending = uploads.create_pending(
        stream=BytesIO(jpeg_bytes(seed=7)),
        filename="p.jpg",
        owner=alice.upload_owner,
        store_id=alice.store_id,
        uploaded_by=alice.id,
    )
    with pytest.raises(FormInvalid) as err:
        uploads.finalize(
            token=pending.upload_token,
            owner=alice.upload_owner,
            metadata=metadata("New"),
            gallery_id=foreign_gallery,
        )
    assert "gallery_id" in err.value.errors
    image_id = uploads.finalize(
        token=pending.upload_token,
        owner=alice.upload_owner,
        metadata=metadata("New"),
        gallery_id=gallery,
    )
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery) == [*first, image_id]
