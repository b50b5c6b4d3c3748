"""ShareLinkService on SQLite and PostgreSQL: made for the store's own gallery or image,
token kept hashed, expiry and revoking (410), password throttled per link and address, and
only the link's active images visible."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.models import utcnow
from imageapp.services.bulk import BulkService
from imageapp.services.cleanup import DiskImageCleanupService
from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.galleries import GalleryService
from imageapp.services.share_links import (
    MAX_PASSWORD_FAILURES,
    LinkGone,
    ShareLinkService,
    TargetNotFound,
)
from imageapp.services.storage import LocalStorage
from tests.factories import a_store, stored_images


@pytest.fixture
def links(engine: Engine) -> ShareLinkService:
    return ShareLinkService(engine)


@pytest.fixture
def store(engine: Engine) -> int:
    return a_store(engine, "Harbour")


def gallery_with(engine: Engine, store_id: int, image_ids: list[int]) -> int:
    galleries = GalleryService(engine)
    gallery_id = galleries.create(store_id=store_id, title=f"G{len(image_ids)}")
    galleries.add_images(store_id=store_id, gallery_id=gallery_id, image_ids=image_ids)
    return gallery_id


def test_a_gallery_link_shows_its_active_images_in_order(
    engine: Engine,
    storage: LocalStorage,
    cleanup: DiskImageCleanupService,
    links: ShareLinkService,
    store: int,
) -> None:
    first, second, third, outside = stored_images(engine, storage, store_id=store, count=4)
    gallery_id = gallery_with(engine, store, [third, first, second])
    made = links.create(store_id=store, user_id=None, gallery_id=gallery_id)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM share_link")).scalar_one()
    assert made.token not in stored
    opened = links.open(made.token)
    assert opened is not None
    link, store_id = opened
    assert store_id == store
    assert [image.id for image in links.shared_images(link, store_id)] == [third, first, second]
    assert not links.shows_image(link, store_id, outside)  # another image of the same store
    BulkService(engine, cleanup).set_status(store_id=store, image_ids=[first], status="inactive")
    assert [image.id for image in links.shared_images(link, store_id)] == [third, second]
    assert not links.shows_image(link, store_id, first)  # gone from the link at once
    assert links.links_of(store_id=store, gallery_id=gallery_id)[0].last_visited_at is not None


def test_an_image_link_shows_only_that_image(
    engine: Engine, storage: LocalStorage, links: ShareLinkService, store: int
) -> None:
    image, other = stored_images(engine, storage, store_id=store, count=2)
    made = links.create(store_id=store, user_id=None, image_id=image, allow_download=True)
    link, store_id = links.open(made.token) or (None, 0)
    assert link is not None
    assert link.allow_download
    assert [found.id for found in links.shared_images(link, store_id)] == [image]
    assert not links.shows_image(link, store_id, other)


def test_only_the_stores_own_targets(
    engine: Engine, storage: LocalStorage, links: ShareLinkService, store: int
) -> None:
    elsewhere = a_store(engine, "Elsewhere")
    (theirs,) = stored_images(engine, storage, store_id=elsewhere, count=1)
    their_gallery = gallery_with(engine, elsewhere, [theirs])
    with pytest.raises(TargetNotFound):
        links.create(store_id=store, user_id=None, image_id=theirs)
    with pytest.raises(TargetNotFound):
        links.create(store_id=store, user_id=None, gallery_id=their_gallery)
    with pytest.raises(TargetNotFound):
        links.create(store_id=store, user_id=None)


def test_expiry_and_revoking_answer_gone(
    engine: Engine, storage: LocalStorage, links: ShareLinkService, store: int
) -> None:
    (image,) = stored_images(engine, storage, store_id=store, count=1)
    with pytest.raises(FormInvalid) as past:
        links.create(
            store_id=store, user_id=None, image_id=image, expires_on=date.today() - timedelta(2)
        )
    assert "expires_at" in past.value.errors
    today = links.create(store_id=store, user_id=None, image_id=image, expires_on=utcnow().date())
    assert links.open(today.token) is not None  # works through the whole day
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE share_link SET expires_at = :t"), {"t": utcnow() - timedelta(1)}
        )
    with pytest.raises(LinkGone) as expired:
        links.open(today.token)
    assert expired.value.expired

    made = links.create(store_id=store, user_id=None, image_id=image)
    assert not links.revoke(store_id=a_store(engine, "Other"), link_id=made.info.id)
    assert links.revoke(store_id=store, link_id=made.info.id)
    with pytest.raises(LinkGone) as revoked:
        links.open(made.token)
    assert not revoked.value.expired
    # Revoked links leave the list; expired ones stay, with their expiry, until revoked.
    assert [link.id for link in links.links_of(store_id=store, image_id=image)] == [today.info.id]
    assert links.open("no-such-token") is None


def test_password_checked_and_throttled_per_link_and_address(
    engine: Engine, storage: LocalStorage, links: ShareLinkService, store: int
) -> None:
    (image,) = stored_images(engine, storage, store_id=store, count=1)
    made = links.create(store_id=store, user_id=None, image_id=image, password="open sesame")
    assert made.info.has_password
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM share_link")).scalar_one()
    assert stored.startswith("$argon2")
    link_id = made.info.id
    assert links.check_password(link_id=link_id, password="open sesame", address="1.1.1.1")
    for _ in range(MAX_PASSWORD_FAILURES):
        assert not links.check_password(link_id=link_id, password="guess", address="1.1.1.1")
    with pytest.raises(ImageAppError) as throttled:
        links.check_password(link_id=link_id, password="open sesame", address="1.1.1.1")
    assert throttled.value.code == "throttled"
    # Another address is not held up by these guesses.
    assert links.check_password(link_id=link_id, password="open sesame", address="2.2.2.2")
