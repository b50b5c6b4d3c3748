"""A gallery's actions as every front end calls them (SQLite and PostgreSQL): the values as
sent, the stored result, and the one sentence each says; another store's gallery is Gone."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.galleries import GalleryService
from imageapp.services.uploads import UploadService
from imageapp.services.usecases.galleries import (
    GONE,
    NO_POSITION,
    NOT_IN_GALLERY,
    Done,
    Gone,
    Refused,
    Unchanged,
    create_gallery,
    delete_gallery,
    delete_question,
    drop_next_to,
    make_cover,
    move_by_steps,
    move_to_position,
    rename_gallery,
    take_out,
)
from tests.factories import finished_image


@pytest.fixture
def gallery(
    galleries: GalleryService, uploads: UploadService, alice: CurrentUser
) -> tuple[int, list[int]]:
    """A gallery "Summer" of the store with four images P0..P3, in upload order."""
    ids = [finished_image(uploads, alice, n) for n in range(4)]
    gallery_id = galleries.create(store_id=alice.store_id, title="Summer")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery_id, image_ids=ids)
    return gallery_id, ids


@pytest.fixture
def carol(engine: Engine) -> CurrentUser:
    return AccountService(engine).create_user(
        store_name="Meadow", email="carol@example.com", password="long password 1"
    )


def test_create_rename_and_delete_say_what_they_did(
    galleries: GalleryService, alice: CurrentUser
) -> None:
    raw = {"title": "  Summer   2025 ", "csrf_token": "x"}
    created = create_gallery(galleries, store_id=alice.store_id, raw_fields=raw)
    assert isinstance(created, Done)
    assert created.message == "Gallery 'Summer 2025' created. Add images to it from the library."

    renamed = rename_gallery(
        galleries,
        store_id=alice.store_id,
        gallery_id=created.gallery_id,
        raw_fields={"title": "By the sea", "description": "Hot"},
    )
    assert renamed == Done("Gallery 'By the sea' saved.", created.gallery_id)
    summary = galleries.get(store_id=alice.store_id, gallery_id=created.gallery_id)
    assert (summary.title, summary.slug, summary.description) == (
        "By the sea",
        "summer-2025",
        "Hot",
    )

    deleted = delete_gallery(galleries, store_id=alice.store_id, gallery_id=created.gallery_id)
    assert deleted == Done("Gallery 'By the sea' deleted.", created.gallery_id)
    assert galleries.summaries(store_id=alice.store_id) == []


def test_refused_fields_come_back_by_field(galleries: GalleryService, alice: CurrentUser) -> None:
    refused = create_gallery(
        galleries, store_id=alice.store_id, raw_fields={"title": "", "slug": "Not A Slug"}
    )

    assert isinstance(refused, Refused)
    assert refused.message == "Please correct the highlighted fields."
    assert set(refused.errors) == {"title", "slug"}
    assert galleries.summaries(store_id=alice.store_id) == []


def test_deleting_says_the_images_stay(
    galleries: GalleryService, alice: CurrentUser, gallery: tuple[int, list[int]]
) -> None:
    gallery_id, _ids = gallery
    assert delete_question("Summer", 4) == (
        "Delete the gallery 'Summer'? Its 4 images stay in your library, with any other "
        "galleries they are in; only the gallery, its order and its cover go. "
        "Deleting a gallery is final: it does not go to the trash and cannot be restored."
    )
    assert "Its 1 image stays in your library, with any other galleries it is in" in (
        delete_question("Summer", 1)
    )

    deleted = delete_gallery(galleries, store_id=alice.store_id, gallery_id=gallery_id)

    assert deleted == Done(
        "Gallery 'Summer' deleted. Its 4 images are still in your library.", gallery_id
    )


def test_moves_change_the_stored_order(
    galleries: GalleryService, alice: CurrentUser, gallery: tuple[int, list[int]]
) -> None:
    gallery_id, (a, b, c, d) = gallery
    where = {"store_id": alice.store_id, "gallery_id": gallery_id}

    moved = move_by_steps(galleries, **where, image_id=c, steps=-1)
    assert moved == Done("Moved 'P2' to position 2 of 4.", gallery_id, position=2)
    assert galleries.image_ids(**where) == [a, c, b, d]
    assert move_by_steps(galleries, **where, image_id=a, steps=-1) == Unchanged()
    dropped = drop_next_to(galleries, **where, image_id=a, target_id=d, after=True)
    assert dropped == Done("Moved 'P0' to position 4 of 4.", gallery_id, position=4)
    assert galleries.image_ids(**where) == [c, b, d, a]
    assert drop_next_to(galleries, **where, image_id=d, target_id=c, after=False) == Done(
        "Moved 'P3' to position 1 of 4.", gallery_id, position=1
    )
    assert galleries.image_ids(**where) == [d, c, b, a]


@pytest.mark.parametrize(
    ("typed", "position"),
    [("2", 2), ("1", 1), ("99", 4), (" 3 ", 3), ("0", None), ("first", None), ("", None)],
)
def test_move_to_a_typed_position(
    galleries: GalleryService,
    alice: CurrentUser,
    gallery: tuple[int, list[int]],
    typed: str,
    position: int | None,
) -> None:
    gallery_id, ids = gallery
    where = {"store_id": alice.store_id, "gallery_id": gallery_id}

    outcome = move_to_position(galleries, **where, image_id=ids[2], position=typed)

    if position is None:
        assert outcome == Refused(NO_POSITION, {"position": NO_POSITION})
        assert galleries.image_ids(**where) == ids
    else:
        assert outcome == Done(f"Moved 'P2' to position {position} of 4.", gallery_id, position)
        assert galleries.image_ids(**where).index(ids[2]) == position - 1


def test_cover_and_take_out(
    galleries: GalleryService, alice: CurrentUser, gallery: tuple[int, list[int]]
) -> None:
    gallery_id, (a, b, c, d) = gallery
    where = {"store_id": alice.store_id, "gallery_id": gallery_id}

    assert make_cover(galleries, **where, image_id=c) == Done(
        "'P2' is now the cover of 'Summer'.", gallery_id
    )
    assert galleries.get(**where).cover_image_id == c
    assert take_out(galleries, **where, image_id=a) == Done(
        "'P0' was taken out of 'Summer'; it stays in your library.", gallery_id
    )
    assert galleries.image_ids(**where) == [b, c, d]
    for again in (take_out, make_cover, move_by_steps):
        extra = {"steps": 1} if again is move_by_steps else {}
        assert again(galleries, **where, image_id=a, **extra) == Refused(NOT_IN_GALLERY)
    assert galleries.image_ids(**where) == [b, c, d]


def test_another_stores_gallery_is_gone_and_unchanged(
    galleries: GalleryService,
    alice: CurrentUser,
    carol: CurrentUser,
    gallery: tuple[int, list[int]],
) -> None:
    gallery_id, ids = gallery
    theirs = {"store_id": carol.store_id, "gallery_id": gallery_id}

    outcomes = [
        rename_gallery(galleries, **theirs, raw_fields={"title": "Mine now"}),
        move_by_steps(galleries, **theirs, image_id=ids[1], steps=-1),
        drop_next_to(galleries, **theirs, image_id=ids[1], target_id=ids[0], after=False),
        move_to_position(galleries, **theirs, image_id=ids[1], position="1"),
        move_to_position(galleries, **theirs, image_id=ids[1], position="junk"),
        make_cover(galleries, **theirs, image_id=ids[1]),
        take_out(galleries, **theirs, image_id=ids[1]),
        delete_gallery(galleries, **theirs),
    ]

    assert outcomes == [Gone()] * len(outcomes)
    assert Gone().message == GONE
    summary = galleries.get(store_id=alice.store_id, gallery_id=gallery_id)
    assert (summary.title, summary.cover_image_id) == ("Summer", ids[0])
    assert galleries.image_ids(store_id=alice.store_id, gallery_id=gallery_id) == ids
