"""The API's request and response models, and how a use case's result becomes one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from imageapp import urls
from imageapp.api.edits import EditIn, EditOut, edit_out
from imageapp.config import Settings
from imageapp.services.edits import ORIGINAL, EditedImage, ImageEdit
from imageapp.services.galleries import GallerySummary
from imageapp.services.ids import MAX_ID
from imageapp.services.library import ImagePage, ImageSummary
from imageapp.services.library_query import TEXT_MAX, LibraryQuery
from imageapp.services.metadata import TAG_MAX
from imageapp.services.pictures import rendition_url
from imageapp.services.renditions import StoredRendition

TEXT_FIELD_MAX = 10_000  # far past every field's own limit (the use case words the refusal)


def absolute(settings: Settings, path: str) -> str:
    """``path`` on IMAGEAPP_PUBLIC_URL when it is set (the address people use), else as is."""
    public = getattr(settings, "public_url", None)
    return f"{str(public).rstrip('/')}{path}" if public else path


# -- queries ----------------------------------------------------------------------------------


class ImageQuery(LibraryQuery):
    """The library's query as URL parameters (``gallery``, ``tag``, ``status``, ``q``,
    ``page`` and any the library adds, ``sort`` among them), plus ``page_size``. A bad value
    is a 422, not a silent default as in the UIs."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    gallery_id: int | None = Field(default=None, ge=1, le=MAX_ID, alias="gallery")
    tag: str = Field(default="", max_length=TAG_MAX)
    text: str = Field(default="", max_length=TEXT_MAX, alias="q")
    page: int = Field(default=1, ge=1, le=MAX_ID)
    page_size: int | None = Field(default=None, ge=1, le=200)

    def library_query(self) -> LibraryQuery:
        return LibraryQuery.model_validate(self.model_dump(exclude={"page_size"}))


# -- images -----------------------------------------------------------------------------------


class RenditionOut(BaseModel):
    preset: str
    format: str
    width: int
    height: int
    url: str


class ImageOut(BaseModel):
    id: int
    status: Literal["active", "inactive"]
    title: str
    alt_text: str
    description: str
    slug: str
    tags: list[str]
    mime_type: str
    width: int = Field(description="The upright original's width (what the edit refers to).")
    height: int
    size_bytes: int
    original_filename: str
    created_at: datetime
    url: str | None = Field(description="The original (active images only), never edited.")
    edit: EditOut = Field(description="Rotation, crop and focal point the renditions show.")
    renditions: list[RenditionOut]


class ImagePageOut(BaseModel):
    items: list[ImageOut]
    total: int
    page: int
    page_size: int


def utc(moment: datetime) -> datetime:
    """The database keeps naive UTC; the API says so (RFC 3339 wants an offset)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def image_out(
    settings: Settings,
    image: ImageSummary,
    renditions: Sequence[StoredRendition],
    edit: ImageEdit = ORIGINAL,
) -> ImageOut:
    active = image.status == "active"
    return ImageOut(
        id=image.id,
        status="active" if active else "inactive",
        title=image.title,
        alt_text=image.alt_text,
        description=image.description,
        slug=image.slug,
        tags=list(image.tags),
        mime_type=image.mime_type,
        width=image.width,
        height=image.height,
        size_bytes=image.size_bytes,
        original_filename=image.original_filename,
        created_at=utc(image.created_at),
        url=absolute(settings, urls.media(image.id)) if active else None,
        edit=edit_out(EditedImage(image.id, edit, image.width, image.height)),
        renditions=[
            RenditionOut(
                preset=item.preset,
                format=item.format,
                width=item.width,
                height=item.height,
                url=absolute(settings, rendition_url(item)),
            )
            for item in sorted(renditions, key=lambda item: (item.preset, item.format))
        ],
    )


def image_page_out(
    settings: Settings,
    listing: ImagePage,
    renditions: Mapping[int, Sequence[StoredRendition]],
    edits: Mapping[int, ImageEdit],
) -> ImagePageOut:
    return ImagePageOut(
        items=[
            image_out(settings, item, renditions.get(item.id, ()), edits.get(item.id, ORIGINAL))
            for item in listing.items
        ],
        total=listing.total,
        page=listing.page,
        page_size=listing.page_size,
    )


# One tag: no comma (the forms' tag field is comma separated), bounded.
TagIn = Annotated[str, Field(max_length=1000, pattern=r"^[^,]*$")]
ImageId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ImagePatch(BaseModel):
    """Only the fields sent change; ``status`` makes the image active or inactive."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    alt_text: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    description: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    slug: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    tags: list[TagIn] | None = Field(default=None, max_length=100)
    status: Literal["active", "inactive"] | None = None
    edit: EditIn | None = Field(
        default=None,
        description="Rotate, crop, focal point (pixels of the upright original); the "
        "renditions are remade in the background.",
    )


# -- uploads ----------------------------------------------------------------------------------


class DuplicateOut(BaseModel):
    id: int
    title: str
    url: str


class UploadOut(BaseModel):
    upload_token: str
    image_id: int
    preview_url: str
    duplicates: list[DuplicateOut]


class UploadMetadataIn(BaseModel):
    """Step 2's fields; the same checks (and messages) as the forms' apply."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=TEXT_FIELD_MAX)
    alt_text: str = Field(default="", max_length=TEXT_FIELD_MAX)
    description: str = Field(default="", max_length=TEXT_FIELD_MAX)
    slug: str = Field(default="", max_length=TEXT_FIELD_MAX)
    tags: list[TagIn] = Field(default_factory=list, max_length=100)
    gallery_id: int | None = Field(default=None, ge=1, le=MAX_ID)


# -- galleries --------------------------------------------------------------------------------


class GalleryOut(BaseModel):
    id: int
    title: str
    slug: str
    description: str
    image_count: int
    cover_image_id: int | None


class GalleryDetailOut(GalleryOut):
    image_ids: list[int] = Field(description="The gallery's images in display order.")


def gallery_out(gallery: GallerySummary) -> GalleryOut:
    return GalleryOut(
        id=gallery.id,
        title=gallery.title,
        slug=gallery.slug,
        description=gallery.description,
        image_count=gallery.image_count,
        cover_image_id=gallery.cover_image_id,
    )


def gallery_detail_out(gallery: GallerySummary, image_ids: Sequence[int]) -> GalleryDetailOut:
    return GalleryDetailOut(**gallery_out(gallery).model_dump(), image_ids=list(image_ids))


class GalleryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=TEXT_FIELD_MAX)
    slug: str = Field(default="", max_length=TEXT_FIELD_MAX)
    description: str = Field(default="", max_length=TEXT_FIELD_MAX)


class GalleryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    slug: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)
    description: str | None = Field(default=None, max_length=TEXT_FIELD_MAX)


class GalleryOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image_ids: list[ImageId] = Field(max_length=10_000)
