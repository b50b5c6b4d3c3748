"""What the gallery pages show, read through the library use cases, as plain values the
browser can hold.

Blocking (database), so the states run each of them in a thread. The store always comes from
the logged-in user; ids from the browser only ever name things inside that store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from imageapp import urls
from imageapp.db import get_engine
from imageapp.services.factory import build_gallery_service
from imageapp.services.galleries import GallerySummary
from imageapp.services.pictures import Picture
from imageapp.services.usecases.galleries import delete_question
from imageapp.services.usecases.library import (
    THUMBNAIL_PRESET,
    browse_gallery,
    list_galleries,
)
from imageapp.services.wording import count_label
from imageapp.state.pictures import PictureView

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
    delete_question: str  # asked before deleting it
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


def choice_of(gallery: GallerySummary) -> GalleryChoice:
    return GalleryChoice(value=str(gallery.id), label=gallery.title)


def gallery_choices(store_id: int) -> list[GalleryChoice]:
    """The store's galleries by title, for selects."""
    return [choice_of(gallery) for gallery in build_gallery_service().summaries(store_id=store_id)]


def gallery_cards(store_id: int) -> list[GalleryCard]:
    found = list_galleries(
        get_engine(), build_gallery_service(), store_id=store_id, preset=THUMBNAIL_PRESET
    )
    return [_card(summary, found.covers) for summary in found.galleries]


def _card(summary: GallerySummary, covers: Mapping[int, Picture]) -> GalleryCard:
    cover_id = summary.cover_image_id or 0
    return GalleryCard(
        id=summary.id,
        title=summary.title,
        description=summary.description,
        url=urls.gallery(summary.id),
        count_label=count_label(summary.image_count),
        delete_question=delete_question(summary.title, summary.image_count),
        has_cover=cover_id in covers,
        cover=PictureView.among(covers, cover_id),
    )


def read_gallery(store_id: int, gallery_id: int, page: int) -> GalleryView | None:
    """One page of the gallery's images in order (inactive ones too), or None if not found."""
    found = browse_gallery(
        get_engine(),
        build_gallery_service(),
        store_id=store_id,
        gallery_id=gallery_id,
        page=page,
        page_size=GALLERY_PAGE_SIZE,
        preset=THUMBNAIL_PRESET,
    )
    if found is None:
        return None
    summary, listing = found.gallery, found.listing
    entries = [
        GalleryEntry(
            id=image.id,
            title=image.title,
            alt_text=image.alt_text,
            url=urls.image(image.id),
            position=found.first_position + n,
            active=image.id in found.pictures,
            is_cover=image.id == summary.cover_image_id,
            picture=PictureView.among(found.pictures, image.id),
        )
        for n, image in enumerate(listing.items)
    ]
    return GalleryView(
        id=summary.id,
        title=summary.title,
        description=summary.description,
        count=listing.total,
        page=listing.page,
        pages=listing.pages,
        library_url=urls.library({"gallery": summary.id}),
        images=entries,
    )
