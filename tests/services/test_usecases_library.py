"""The library reads every front end shows (SQLite and PostgreSQL): a page with its pictures,
the galleries to filter by, one gallery in order, one image; only ever the store's own."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.galleries import GalleryService
from imageapp.services.library_query import LibraryQuery
from imageapp.services.uploads import UploadService
from imageapp.services.usecases.library import (
    browse_gallery,
    browse_library,
    list_galleries,
    show_image,
)
from tests.factories import finished_image


def test_a_library_page_has_pictures_for_its_active_images_only(
    engine: Engine, uploads: UploadService, cleanup: DiskImageCleanupService
) -> None:
    accounts = AccountService(engine)
    alice = accounts.create_user(store_name="A", email="a@example.com", password="long password 1")
    carol = accounts.create_user(store_name="C", email="c@example.com", password="long password 1")
    shown, hidden = finished_image(uploads, alice, 1), finished_image(uploads, alice, 2)
    finished_image(uploads, carol, 3)
    BulkService(engine, cleanup).set_status(
        store_id=alice.store_id, image_ids=[hidden], status="inactive"
    )
    galleries = GalleryService(engine)
    ours = galleries.create(store_id=alice.store_id, title="Ours")
    theirs = galleries.create(store_id=carol.store_id, title="Theirs")

    found = browse_library(
        engine, galleries, store_id=alice.store_id, query=LibraryQuery(status="all"), page_size=1
    )
    assert ([image.id for image in found.listing.items], found.listing.total) == ([hidden], 2)
    assert found.pictures == {}  # the inactive image has none
    second = browse_library(
        engine,
        galleries,
        store_id=alice.store_id,
        query=LibraryQuery(status="all", page=9),
        page_size=1,
    )
    assert [image.id for image in second.listing.items] == [shown]  # past the end: the last page
    assert set(second.pictures) == {shown}
    assert [gallery.id for gallery in second.galleries] == [ours]

    foreign = browse_library(
        engine,
        galleries,
        store_id=alice.store_id,
        query=LibraryQuery(gallery_id=theirs),
        page_size=10,
    )
    assert foreign.query == LibraryQuery()  # another store's gallery is no filter of ours
    assert [image.id for image in foreign.listing.items] == [shown]


def test_galleries_gallery_pages_and_image_pages_stay_in_the_store(
    engine: Engine, uploads: UploadService
) -> None:
    accounts = AccountService(engine)
    alice = accounts.create_user(store_name="A", email="a@example.com", password="long password 1")
    carol = accounts.create_user(store_name="C", email="c@example.com", password="long password 1")
    first, second, third = (finished_image(uploads, alice, n) for n in (1, 2, 3))
    galleries = GalleryService(engine)
    gallery_id = galleries.create(store_id=alice.store_id, title="Summer")
    galleries.add_images(
        store_id=alice.store_id, gallery_id=gallery_id, image_ids=[third, first, second]
    )

    listed = list_galleries(engine, galleries, store_id=alice.store_id)
    assert [(g.title, g.cover_image_id) for g in listed.galleries] == [("Summer", third)]
    assert set(listed.covers) == {third}
    page = browse_gallery(
        engine, galleries, store_id=alice.store_id, gallery_id=gallery_id, page=2, page_size=2
    )
    assert page is not None
    assert ([image.id for image in page.listing.items], page.first_position) == ([second], 3)
    assert set(page.pictures) == {second}
    shown = show_image(engine, store_id=alice.store_id, image_id=first)
    assert shown is not None
    assert (shown.image.title, shown.picture.width) == ("P1", 40)

    assert list_galleries(engine, galleries, store_id=carol.store_id).galleries == []
    assert (
        browse_gallery(
            engine, galleries, store_id=carol.store_id, gallery_id=gallery_id, page=1, page_size=2
        )
        is None
    )
    assert show_image(engine, store_id=carol.store_id, image_id=first) is None
