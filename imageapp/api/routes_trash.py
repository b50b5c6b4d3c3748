"""/api/v1/trash: what DELETE /images/{id} moved to the trash, and putting it back, through
the trash use cases of the two UIs (same rules: only the store's own trashed images)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from imageapp.api.auth import ReaderDep, WriterDep
from imageapp.api.schemas import ImageId, utc
from imageapp.fallback.deps import SettingsDep, TrashDep
from imageapp.services.bulk import MAX_SELECTION
from imageapp.services.ids import MAX_ID
from imageapp.services.usecases.trash import browse_trash, restore_images

router = APIRouter(prefix="/trash", tags=["trash"])


class TrashedImageOut(BaseModel):
    id: int
    title: str
    alt_text: str
    size_bytes: int
    trashed_at: datetime
    trashed_by: str = Field(
        description="The deleting member's email; empty if that account is gone."
    )


class TrashPageOut(BaseModel):
    items: list[TrashedImageOut]
    total: int
    page: int
    page_size: int
    keeps: str = Field(description="How long images stay in the trash, as the UIs say it.")


class RestoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image_ids: list[ImageId] = Field(min_length=1, max_length=MAX_SELECTION)


class RestoreOut(BaseModel):
    restored: list[int] = Field(description="The ids put back; others were not in the trash.")
    message: str


@router.get("", response_model=TrashPageOut, summary="A page of the trash, newest first")
def trash_page(
    trash: TrashDep,
    settings: SettingsDep,
    user: ReaderDep,
    page: Annotated[int, Query(ge=1, le=MAX_ID)] = 1,
) -> TrashPageOut:
    view = browse_trash(
        trash,
        store_id=user.user.store_id,
        page=page,
        page_size=settings.page_size,
        trash_days=settings.trash_days,
    )
    listing = view.listing
    return TrashPageOut(
        items=[
            TrashedImageOut(
                id=item.id,
                title=item.title,
                alt_text=item.alt_text,
                size_bytes=item.size_bytes,
                trashed_at=utc(item.trashed_at),
                trashed_by=item.trashed_by,
            )
            for item in listing.items
        ],
        total=listing.total,
        page=listing.page,
        page_size=listing.page_size,
        keeps=view.keeps,
    )


@router.post(
    "/restore",
    response_model=RestoreOut,
    summary="Put images back from the trash",
    description="Back in the library with their galleries, place, cover and tags.",
)
async def restore(body: RestoreIn, trash: TrashDep, user: WriterDep) -> RestoreOut:
    outcome = await run_in_threadpool(
        lambda: restore_images(trash, store_id=user.user.store_id, raw_ids=body.image_ids)
    )
    return RestoreOut(restored=list(outcome.gone), message=outcome.message)
