"""Relative moves in a gallery: the positions, and the moves on SQLite and PostgreSQL."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy.engine import Engine

from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.galleries import GalleryNotFound, GalleryService
from imageapp.services.gallery_moves import (
    move_by_steps,
    move_next_to,
    position_after_steps,
    position_next_to,
)
from imageapp.services.uploads import UploadService
from tests.factories import metadata
from tests.images import jpeg_bytes

ORDER = [10, 20, 30, 40]


@pytest.mark.parametrize(
    ("image_id", "steps", "position"),
    [(30, -1, 2), (30, 1, 4), (10, -1, None), (40, 1, None), (20, 2, 4), (20, 0, None)],
)
def test_position_after_steps(image_id: int, steps: int, position: int | None) -> None:
    assert position_after_steps(ORDER, image_id, steps) == position


def test_position_after_steps_of_an_image_not_there() -> None:
    assert position_after_steps(ORDER, 99, 1) is None


@pytest.mark.parametrize(
    ("image_id", "target_id", "after", "position"),
    [
        (40, 10, False, 1),  # to the front
        (10, 40, True, 4),  # to the end
        (10, 30, False, 2),  # forward, before the target
        (40, 20, True, 3),  # backward, after the target
        (20, 30, False, None),  # already right before it
        (30, 20, True, None),  # already right after it
        (20, 20, True, None),  # onto itself
        (20, 99, True, None),  # the target is gone
    ],
)
def test_position_next_to(image_id: int, target_id: int, after: bool, position: int | None) -> None:
    assert position_next_to(ORDER, image_id, target_id, after=after) == position


@pytest.fixture
def alice(engine: Engine) -> CurrentUser:
    return AccountService(engine).create_user(
        store_name="Harbour", email="alice@example.com", password="long password 1"
    )


@pytest.fixture
def gallery(engine: Engine, uploads: UploadService, alice: CurrentUser) -> tuple[int, list[int]]:
    """A gallery of the store with four images, in upload order."""
    ids = []
    for n in range(4):
        pending = uploads.create_pending(
            stream=BytesIO(jpeg_bytes((40, 30), seed=n)),
            filename="p.jpg",
            owner=alice.upload_owner,
            store_id=alice.store_id,
            uploaded_by=alice.id,
        )
        ids.append(
            uploads.finalize(
                token=pending.upload_token, owner=alice.upload_owner, metadata=metadata(f"P{n}")
            )
        )
    galleries = GalleryService(engine)
    gallery_id = galleries.create(store_id=alice.store_id, title="Summer")
    galleries.add_images(store_id=alice.store_id, gallery_id=gallery_id, image_ids=ids)
    return gallery_id, ids


def test_moves_change_the_stored_order(
    engine: Engine, alice: CurrentUser, gallery: tuple[int, list[int]]
) -> None:
    galleries, (gallery_id, (a, b, c, d)) = GalleryService(engine), gallery
    where = {"store_id": alice.store_id, "gallery_id": gallery_id}

    assert move_by_steps(galleries, **where, image_id=c, steps=-1) == 2
    assert galleries.image_ids(**where) == [a, c, b, d]
    assert move_by_steps(galleries, **where, image_id=a, steps=-1) is None
    assert move_next_to(galleries, **where, image_id=a, target_id=d, after=True) == 4
    assert galleries.image_ids(**where) == [c, b, d, a]
    assert move_next_to(galleries, **where, image_id=d, target_id=c, after=False) == 1
    assert galleries.image_ids(**where) == [d, c, b, a]


def test_another_stores_gallery_is_not_found(
    engine: Engine, alice: CurrentUser, gallery: tuple[int, list[int]]
) -> None:
    gallery_id, ids = gallery
    carol = AccountService(engine).create_user(
        store_name="Meadow", email="carol@example.com", password="long password 1"
    )

    with pytest.raises(GalleryNotFound):
        move_by_steps(
            GalleryService(engine),
            store_id=carol.store_id,
            gallery_id=gallery_id,
            image_id=ids[1],
            steps=-1,
        )
    assert GalleryService(engine).image_ids(store_id=alice.store_id, gallery_id=gallery_id) == ids
