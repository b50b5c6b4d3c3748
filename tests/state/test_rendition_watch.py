"""What a page's watch for web copies asks the database (state/rendition_watch.py); the
browser test tests/browser/test_rendition_swap.py shows the pages swapping them in."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from imageapp.config import Settings
from imageapp.db import get_engine
from imageapp.models import Image, Rendition
from imageapp.state.image_detail import ImageDetailState
from imageapp.state.rendition_watch import ready_pictures, waiting_ids
from tests.state.conftest import Member, active_image, call, make_state, sign_in


def without_renditions(settings: Settings, image_id: int) -> None:
    """As the image is between step 2 and its rendition job (the rows come with the job)."""
    with get_engine(settings.database_url).begin() as connection:
        connection.execute(sa.delete(Rendition).where(col(Rendition.image_id) == image_id))


def test_only_the_stores_active_images_with_renditions_are_ready(
    app_settings: Settings, member: Member
) -> None:
    ready = active_image(member, "Ready")
    waiting = active_image(member, "Waiting")
    without_renditions(app_settings, waiting)
    inactive = active_image(member, "Inactive")
    with get_engine(app_settings.database_url).begin() as connection:
        connection.execute(
            sa.update(Image).where(col(Image.id) == inactive).values(status="inactive")
        )
    theirs = active_image(sign_in(app_settings, store="Another Store"), "Theirs")

    found = ready_pictures(member.user.store_id, {ready, waiting, inactive, theirs}, "thumb")

    assert set(found) == {ready}
    assert found[ready].src.startswith(f"/media/{ready}/thumb.")
    assert found[ready].sources
    assert not found[ready].waiting


def test_a_page_showing_the_original_starts_the_watch(
    app_settings: Settings, member: Member
) -> None:
    image_id = active_image(member, "Harbour")
    without_renditions(app_settings, image_id)

    state = make_state(ImageDetailState, member.cookie, f"/images/{image_id}")
    events = call(ImageDetailState.load_image, state)

    assert state.image.picture.src == f"/media/{image_id}"  # the original meanwhile
    assert waiting_ids([state.image.picture]) == {image_id}
    assert "watch_renditions" in str(events)


def test_a_page_with_its_web_copies_starts_no_watch(member: Member) -> None:
    image_id = active_image(member, "Harbour")

    state = make_state(ImageDetailState, member.cookie, f"/images/{image_id}")
    events = call(ImageDetailState.load_image, state)

    assert not state.image.picture.waiting
    assert "watch_renditions" not in str(events)


class QueuedOnly:
    """A queue no worker reads: the edit's rendition job waits (the test runs it itself)."""

    def enqueue(self, image_id: int) -> None:
        del image_id


def test_a_page_showing_the_renditions_of_a_former_edit_watches_for_the_new_ones(
    app_settings: Settings, member: Member
) -> None:
    """After Rotate/Save/Reset the old files stay served until the job has made the new set:
    the page says so, watches, and only the new set counts as ready."""
    from imageapp.services.edits import ImageEdit, save_edit
    from imageapp.services.factory import build_rendition_service
    from imageapp.services.rendition_jobs import make_missing_renditions

    image_id = active_image(member, "Harbour")
    engine, store_id = get_engine(app_settings.database_url), member.user.store_id
    save_edit(engine, QueuedOnly(), store_id=store_id, image_id=image_id, edit=ImageEdit(rotate=90))

    state = make_state(ImageDetailState, member.cookie, f"/images/{image_id}")
    events = call(ImageDetailState.load_image, state)
    former = state.image.picture
    assert former.sources  # the former renditions stay shown meanwhile
    assert former.remaking
    assert waiting_ids([former]) == {image_id}
    assert "watch_renditions" in str(events)
    assert ready_pictures(store_id, {image_id}, "web") == {}

    assert make_missing_renditions(build_rendition_service(app_settings), image_id) > 0
    found = ready_pictures(store_id, {image_id}, "web")
    assert set(found) == {image_id}
    assert not found[image_id].waiting
    assert not found[image_id].remaking
    assert (found[image_id].width, found[image_id].height) == (former.height, former.width)
