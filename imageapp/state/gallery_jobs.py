"""The gallery pages' calls into the gallery service, as plain values the browser can hold.

Blocking (database), so the states run each of them in a thread. The store always comes from
the logged-in user; ids from the browser only ever name things inside that store.
"""

from __future__ import annotations

import dataclasses

from imageapp import urls
from imageapp.db import get_engine, session_scope
from imageapp.services.factory import build_gallery_service
from imageapp.services.galleries import GalleryNotFound, GallerySummary
from imageapp.services.gallery_moves import move_by_steps, move_next_to
from imageapp.services.library import LibraryFilter, list_images
from imageapp.services.thumbnails import list_pictures
from imageapp.services.wording import count_label
from imageapp.state.pictures import PictureView, active_pictures

THUMBNAIL_PRESET = "thumb"
GALLERY_PAGE_SIZE = 100  # a gallery page shows this many images, in order


@dataclasses.dataclass(frozen=True)
class GalleryChoice:
    """A gallery in a select: its id as text (select values are strings) and its title."""

    value: str
    label: str


@dataclasses.dataclass(frozen=True)
class GalleryCard:
    """One gallery of the galleries page: its cover (featured, else first image) and count."""

    id: int
    title: str
    description: str
    url: str
    count_label: str
    has_cover: bool
    cover: PictureView


@dataclasses.dataclass(frozen=True)
class GalleryEntry:
    """One image of a gallery page, at its place in the gallery's order."""

    id: int
    title: str
    alt_text: str
    url: str
    position: int
    active: bool  # inactive images have no picture: the media route refuses them
    is_cover: bool
    picture: PictureView


@dataclasses.dataclass(frozen=True)
class GalleryView:
    id: int = 0
    title: str = ""
    description: str = ""
    count: int = 0
    page: int = 1
    pages: int = 1
    library_url: str = ""
    images: list[GalleryEntry] = dataclasses.field(default_factory=list)


def gallery_choices(store_id: int) -> list[GalleryChoice]:
    """The store's galleries by title, for selects."""
    return [
        GalleryChoice(value=str(gallery.id), label=gallery.title)
        for gallery in build_gallery_service().summaries(store_id=store_id)
    ]


def gallery_cards(store_id: int) -> list[GalleryCard]:
    summaries = build_gallery_service().summaries(store_id=store_id)
    covers = [s.cover_image_id for s in summaries if s.cover_image_id is not None]
    found = list_pictures(
        get_engine(), store_id=store_id, image_ids=covers, preset=THUMBNAIL_PRESET
    )
    pictures = {image_id: PictureView.of(picture, image_id) for image_id, picture in found.items()}
    return [_card(summary, pictures) for summary in summaries]


def _card(summary: GallerySummary, pictures: dict[int, PictureView]) -> GalleryCard:
    cover = pictures.get(summary.cover_image_id) if summary.cover_image_id else None
    return GalleryCard(
        id=summary.id,
        title=summary.title,
        description=summary.description,
        url=urls.gallery(summary.id),
        count_label=count_label(summary.image_count),
        has_cover=cover is not None,
        cover=cover or PictureView(),
    )


def read_gallery(store_id: int, gallery_id: int, page: int) -> GalleryView | None:
    """One page of the gallery's images in order (inactive ones too), or None if not found."""
    try:
        summary = build_gallery_service().get(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return None
    shown = LibraryFilter(status="all", gallery_id=gallery_id)
    with session_scope() as session:
        found = list_images(
            session, store_id=store_id, filters=shown, page=page, page_size=GALLERY_PAGE_SIZE
        )
    pictures = active_pictures(get_engine(), found.items, THUMBNAIL_PRESET)
    first = (found.page - 1) * GALLERY_PAGE_SIZE + 1
    entries = [
        GalleryEntry(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            url=urls.image(image.id),
            position=first + n,
            active=image.id in pictures,
            is_cover=image.id == summary.cover_image_id,
            picture=pictures.get(image.id, PictureView()),
        )
        for n, image in enumerate(found.items)
    ]
    return GalleryView(
        id=summary.id,
        title=summary.title,
        description=summary.description,
        count=found.total,
        page=found.page,
        pages=found.pages,
        library_url=urls.library({"gallery": summary.id}),
        images=entries,
    )


# -- changes: each returns whether something changed; GalleryNotFound and the service's other
#    refusals (ImageAppError) carry a message to show -----------------------------------------


def move_image(store_id: int, gallery_id: int, *, image_id: int, steps: int) -> bool:
    where = {"store_id": store_id, "gallery_id": gallery_id, "image_id": image_id}
    return move_by_steps(build_gallery_service(), **where, steps=steps) is not None


def drop_image(
    store_id: int, gallery_id: int, *, image_id: int, target_id: int, after: bool
) -> bool:
    where = {"store_id": store_id, "gallery_id": gallery_id, "image_id": image_id}
    moved = move_next_to(build_gallery_service(), **where, target_id=target_id, after=after)
    return moved is not None


def make_cover(store_id: int, gallery_id: int, *, image_id: int) -> bool:
    build_gallery_service().set_featured(
        store_id=store_id, gallery_id=gallery_id, image_id=image_id
    )
    return True


def remove_image(store_id: int, gallery_id: int, *, image_id: int) -> bool:
    removed = build_gallery_service().remove_images(
        store_id=store_id, gallery_id=gallery_id, image_ids=[image_id]
    )
    return bool(removed)
