"""Every bulk action at the largest selection a request may carry (MAX_SELECTION images), on
real SQLite and PostgreSQL: no statement may pass a database's limit on bound parameters."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import GalleryImage, Image, ImageTag, Tag
from imageapp.services.accounts import CurrentUser
from imageapp.services.bulk import MAX_SELECTION, BulkService
from imageapp.services.errors import ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.metadata import TAGS_MAX
from imageapp.services.storage import Storage
from tests.factories import stored_images
from tests.stored import image_names

# SQLite's default build allows this many bound values per statement (Debian's allows more).
SQLITE_DEFAULT_MAX_VARIABLES = 32766


def _default_sqlite_limit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_MAX_VARIABLES)


@pytest.fixture(autouse=True)
def _strictest_sqlite(engine: Engine) -> None:
    """Hold SQLite to its default build's limit, whatever build this machine has."""
    if engine.dialect.name == "sqlite":
        engine.dispose()
        sa.event.listen(engine, "connect", _default_sqlite_limit)


def largest_selection(
    engine: Engine, storage: Storage, store_id: int, *, with_files: bool = False
) -> list[int]:
    """MAX_SELECTION images of the store, newest first (as the library lists them, so the order
    differs from the ids' own)."""
    ids = stored_images(
        engine, storage, store_id=store_id, count=MAX_SELECTION, with_files=with_files
    )
    return ids[::-1]


@pytest.fixture
def most(engine: Engine, storage: Storage, alice: CurrentUser) -> list[int]:
    """The largest selection, without files (only deleting looks at them)."""
    return largest_selection(engine, storage, alice.store_id)


def count(engine: Engine, query: sa.Select[tuple[int]]) -> int:
    with engine.connect() as connection:
        return connection.scalar(query) or 0


def statuses(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(sa.select(col(Image.status)).distinct()))


def test_set_inactive_and_active(
    bulk: BulkService, alice: CurrentUser, most: list[int], engine: Engine
) -> None:
    result = bulk.set_status(store_id=alice.store_id, image_ids=most, status="inactive")
    assert (result.done, result.ignored_ids) == (MAX_SELECTION, ())
    assert statuses(engine) == {"inactive"}
    result = bulk.set_status(store_id=alice.store_id, image_ids=most, status="active")
    assert result.done == MAX_SELECTION
    assert statuses(engine) == {"active"}


def test_add_the_most_tags(
    bulk: BulkService, alice: CurrentUser, most: list[int], engine: Engine
) -> None:
    names = [f"tag{n}" for n in range(TAGS_MAX)]
    result = bulk.add_tags(store_id=alice.store_id, image_ids=most, tags=", ".join(names))
    assert (result.done, result.ignored_ids) == (MAX_SELECTION, ())
    links = sa.select(sa.func.count()).select_from(ImageTag)
    assert count(engine, links) == MAX_SELECTION * TAGS_MAX
    assert count(engine, sa.select(sa.func.count()).select_from(Tag)) == TAGS_MAX
    # Again, with a tag they have and a new one: links already there are kept, the new one added.
    again = bulk.add_tags(store_id=alice.store_id, image_ids=most, tags=f"{names[0]}, extra")
    assert again.done == MAX_SELECTION
    assert count(engine, links) == MAX_SELECTION * (TAGS_MAX + 1)


def test_add_to_and_remove_from_a_gallery(
    bulk: BulkService, galleries: GalleryService, alice: CurrentUser, most: list[int]
) -> None:
    gallery = galleries.create(store_id=alice.store_id, title="Everything")
    result = bulk.add_to_gallery(store_id=alice.store_id, image_ids=most, gallery_id=gallery)
    assert (result.done, result.ignored_ids) == (MAX_SELECTION, ())
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery) == most  # in order
    again = bulk.add_to_gallery(store_id=alice.store_id, image_ids=most, gallery_id=gallery)
    assert again.done == 0  # all there already
    result = bulk.remove_from_gallery(store_id=alice.store_id, image_ids=most, gallery_id=gallery)
    assert (result.done, result.ignored_ids) == (MAX_SELECTION, ())
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery) == []


def test_preview_and_delete(
    bulk: BulkService,
    galleries: GalleryService,
    alice: CurrentUser,
    engine: Engine,
    storage: Storage,
) -> None:
    most = largest_selection(engine, storage, alice.store_id, with_files=True)
    for title, placed in (("First half", most[: MAX_SELECTION // 2]), ("All", most)):
        gallery = galleries.create(store_id=alice.store_id, title=title)
        bulk.add_to_gallery(store_id=alice.store_id, image_ids=placed, gallery_id=gallery)
    bulk.add_tags(store_id=alice.store_id, image_ids=most, tags="sea")
    preview = bulk.preview_delete(store_id=alice.store_id, image_ids=most)
    assert (preview.image_count, preview.gallery_count, preview.ignored_ids) == (
        MAX_SELECTION,
        2,
        (),
    )
    result = bulk.delete(store_id=alice.store_id, image_ids=most)
    assert (result.done, result.ignored_ids) == (MAX_SELECTION, ())
    # Delete moves them to the trash (every row kept); deleting the trash forever at the same
    # size removes rows, placements, tags and files.
    trashed = sa.select(sa.func.count()).where(col(Image.trashed_at).is_not(None))
    assert count(engine, trashed) == MAX_SELECTION
    assert bulk.trash.restore(store_id=alice.store_id, image_ids=most) == sorted(most)
    bulk.delete(store_id=alice.store_id, image_ids=most)
    assert bulk.trash.delete_forever(store_id=alice.store_id, image_ids=most) == MAX_SELECTION
    assert count(engine, sa.select(sa.func.count()).select_from(Image)) == 0
    assert count(engine, sa.select(sa.func.count()).select_from(GalleryImage)) == 0
    assert count(engine, sa.select(sa.func.count()).select_from(ImageTag)) == 0
    assert image_names(storage) == []


def test_the_most_ids_mixing_own_and_unknown_ones(
    bulk: BulkService, alice: CurrentUser, most: list[int], engine: Engine
) -> None:
    """Unknown ids count against the cap too, and are reported, not used."""
    unknown = list(range(10**6, 10**6 + MAX_SELECTION // 2))
    selection = [*most[: MAX_SELECTION // 2], *unknown]
    result = bulk.set_status(store_id=alice.store_id, image_ids=selection, status="inactive")
    assert (result.done, result.ignored_ids) == (MAX_SELECTION // 2, tuple(unknown))
    inactive = sa.select(sa.func.count()).where(col(Image.status) == "inactive")
    assert count(engine, inactive) == MAX_SELECTION // 2


def test_one_more_than_the_most_is_refused(
    bulk: BulkService, alice: CurrentUser, most: list[int], engine: Engine
) -> None:
    with pytest.raises(ImageAppError) as refused:
        bulk.set_status(store_id=alice.store_id, image_ids=[*most, 10**6], status="inactive")
    assert refused.value.code == "selection_too_large"
    assert statuses(engine) == {"active"}
