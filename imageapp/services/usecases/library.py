"""Reading the library as every front end shows it: a page of the store's images with their
pictures, the galleries to filter by, one gallery's images in order, one image's page.

The Reflex pages, the no-JS pages and the coming API all read through these, so what a page
lists (and which pictures it may show) cannot differ between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Engine
from sqlmodel import Session

from imageapp.services.errors import MetadataInvalid
from imageapp.services.galleries import GalleryNotFound, GalleryService, GallerySummary
from imageapp.services.image_edits import update_image_metadata
from imageapp.services.library import (
    ImagePage,
    ImageSummary,
    get_active_image,
    get_image,
    list_images,
    tags_of,
)
from imageapp.services.library_query import LibraryQuery
from imageapp.services.metadata import parse_metadata
from imageapp.services.pictures import Picture
from imageapp.services.renditions import StoredRendition, renditions_of
from imageapp.services.thumbnails import list_pictures, listed_pictures

THUMBNAIL_PRESET = "thumb"
DETAIL_PRESET = "web"


@dataclass(frozen=True, slots=True)
class LibraryResult:
    """One page of the library as ``query`` names it, and the store's galleries."""

    query: LibraryQuery  # as applied: a gallery that is not (or no longer) the store's is dropped
    listing: ImagePage
    pictures: dict[int, Picture]  # the active images' (the others have no picture to show)
    galleries: list[GallerySummary]


def browse_library(
    engine: Engine,
    galleries: GalleryService,
    *,
    store_id: int,
    query: LibraryQuery,
    page_size: int,
    preset: str = THUMBNAIL_PRESET,
) -> LibraryResult:
    """The library page ``query`` asks for (past the end: the last page)."""
    found = galleries.summaries(store_id=store_id)
    if query.gallery_id not in {gallery.id for gallery in found}:
        query = query.model_copy(update={"gallery_id": None})
    with Session(engine) as session:
        listing = list_images(
            session,
            store_id=store_id,
            filters=query.filters(),
            page=query.page,
            page_size=page_size,
            sort=query.sort,
        )
    pictures = listed_pictures(engine, listing.items, preset=preset)
    return LibraryResult(query=query, listing=listing, pictures=pictures, galleries=found)


@dataclass(frozen=True, slots=True)
class GalleryList:
    """The store's galleries by title, with the picture of each one's cover (if it has one)."""

    galleries: list[GallerySummary]
    covers: dict[int, Picture]  # by image id


def list_galleries(
    engine: Engine, galleries: GalleryService, *, store_id: int, preset: str = THUMBNAIL_PRESET
) -> GalleryList:
    found = galleries.summaries(store_id=store_id)
    cover_ids = [gallery.cover_image_id for gallery in found if gallery.cover_image_id]
    covers = list_pictures(engine, store_id=store_id, image_ids=cover_ids, preset=preset)
    return GalleryList(galleries=found, covers=covers)


@dataclass(frozen=True, slots=True)
class GalleryContents:
    """One page of a gallery's images in their order, inactive ones too (without pictures)."""

    gallery: GallerySummary
    listing: ImagePage
    pictures: dict[int, Picture]

    @property
    def first_position(self) -> int:
        """The position in the gallery of the page's first image (1 = first)."""
        return (self.listing.page - 1) * self.listing.page_size + 1


def browse_gallery(
    engine: Engine,
    galleries: GalleryService,
    *,
    store_id: int,
    gallery_id: int,
    page: int,
    page_size: int,
    preset: str = THUMBNAIL_PRESET,
) -> GalleryContents | None:
    """The gallery's page ``page``; None if the store has no such gallery."""
    try:
        gallery = galleries.get(store_id=store_id, gallery_id=gallery_id)
    except GalleryNotFound:
        return None
    query = LibraryQuery(status="all", gallery_id=gallery_id, page=page)
    with Session(engine) as session:
        listing = list_images(
            session, store_id=store_id, filters=query.filters(), page=page, page_size=page_size
        )
    pictures = listed_pictures(engine, listing.items, preset=preset)
    return GalleryContents(gallery=gallery, listing=listing, pictures=pictures)


@dataclass(frozen=True, slots=True)
class ImageShown:
    """One active image of the store with its tags, and its picture."""

    image: ImageSummary
    picture: Picture


def show_image(
    engine: Engine, *, store_id: int, image_id: int, preset: str = DETAIL_PRESET
) -> ImageShown | None:
    """The image's page; None for anything that is not an active image of the store."""
    with Session(engine) as session:
        image = get_active_image(session, image_id, store_id=store_id)
    if image is None:
        return None
    return ImageShown(
        image=image, picture=listed_pictures(engine, [image], preset=preset)[image.id]
    )


def find_image(engine: Engine, *, store_id: int, image_id: int) -> ImageSummary | None:
    """One finished image of the store (active or inactive) with its tags; None otherwise."""
    with Session(engine) as session:
        return get_image(session, image_id, store_id=store_id)


def with_tags(engine: Engine, listing: ImagePage) -> ImagePage:
    """A listing whose images carry their tags (lists read without them)."""
    with Session(engine) as session:
        found = tags_of(session, [image.id for image in listing.items])
    items = tuple(replace(image, tags=found.get(image.id, ())) for image in listing.items)
    return replace(listing, items=items)


def image_renditions(
    engine: Engine, images: Iterable[ImageSummary]
) -> dict[int, tuple[StoredRendition, ...]]:
    """The renditions of the active ones among ``images`` (the media route serves no other)."""
    active = [image.id for image in images if image.status == "active"]
    return {image_id: tuple(found) for image_id, found in renditions_of(engine, active).items()}


@dataclass(frozen=True, slots=True)
class ImageEdited:
    message: str = "Image saved."


@dataclass(frozen=True, slots=True)
class ImageEditRefused:
    message: str
    errors: dict[str, str] = field(default_factory=dict)


EDIT_FIELDS = ("title", "alt_text", "description", "slug", "tags")


def edit_image(
    engine: Engine, *, store_id: int, image_id: int, raw_fields: Mapping[str, object]
) -> ImageEdited | ImageEditRefused | None:
    """New metadata for a finished image, checked as in step 2; None if it is not the store's."""
    values = {name: str(raw_fields.get(name) or "") for name in EDIT_FIELDS}
    try:
        saved = update_image_metadata(
            engine, store_id=store_id, image_id=image_id, metadata=parse_metadata(**values)
        )
    except MetadataInvalid as invalid:
        return ImageEditRefused(invalid.message, invalid.errors)
    return ImageEdited() if saved else None
