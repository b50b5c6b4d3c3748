"""/api/v1/{galleries,images}/{id}/share-links: a share link made by a script, through the
same use case as the two UIs."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from imageapp import urls
from imageapp.api.auth import WriterDep
from imageapp.api.errors import ApiError, not_found
from imageapp.api.schemas import absolute, utc
from imageapp.fallback.deps import EngineDep, PathId, SettingsDep
from imageapp.services.share_links import ShareLinkService
from imageapp.services.usecases import share_links as actions

router = APIRouter(tags=["share links"])


class ShareLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_at: date | None = Field(default=None, description="Works through this day (UTC).")
    password: str | None = Field(default=None, max_length=1024)
    allow_download: bool = False


class ShareLinkOut(BaseModel):
    token: str
    url: str
    expires_at: datetime | None = Field(description="The first moment it no longer works.")
    allow_download: bool


def _create(
    engine: EngineDep, settings: SettingsDep, user: WriterDep, body: ShareLinkIn, **target: int
) -> ShareLinkOut:
    fields = {
        "expires_at": body.expires_at.isoformat() if body.expires_at else "",
        "password": body.password or "",
        "allow_download": "1" if body.allow_download else "",
    }
    outcome = actions.create_share_link(
        ShareLinkService(engine),
        store_id=user.user.store_id,
        user_id=user.user.id,
        raw_fields=fields,
        **target,
    )
    if isinstance(outcome, actions.ShareGone):
        raise not_found(outcome.message)
    if isinstance(outcome, actions.ShareRefused):
        raise ApiError.of_fields(422, "invalid", outcome.errors)
    info = outcome.link.info
    return ShareLinkOut(
        token=outcome.link.token,
        url=absolute(settings, urls.share(outcome.link.token)),
        expires_at=utc(info.expires_at) if info.expires_at else None,
        allow_download=info.allow_download,
    )


@router.post(
    "/galleries/{gallery_id}/share-links",
    status_code=201,
    response_model=ShareLinkOut,
    summary="Share a gallery with people without an account",
)
def share_gallery(
    gallery_id: PathId,
    body: ShareLinkIn,
    engine: EngineDep,
    settings: SettingsDep,
    user: WriterDep,
) -> ShareLinkOut:
    return _create(engine, settings, user, body, gallery_id=gallery_id)


@router.post(
    "/images/{image_id}/share-links",
    status_code=201,
    response_model=ShareLinkOut,
    summary="Share one image with people without an account",
)
def share_image(
    image_id: PathId,
    body: ShareLinkIn,
    engine: EngineDep,
    settings: SettingsDep,
    user: WriterDep,
) -> ShareLinkOut:
    return _create(engine, settings, user, body, image_id=image_id)
