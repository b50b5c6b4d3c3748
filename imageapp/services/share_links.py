"""Share links (DESIGN.md, Share links): a gallery or one image shown to anyone with the link.

The token is 32 random bytes; only its SHA-256 is kept. An optional password is kept only as
an argon2 hash, and wrong ones are throttled per link and address (counted like failed
logins, in the database, so every web worker counts together). Through a link nothing else
is reachable: only its gallery's (or its image's) ACTIVE images.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from imageapp.models import (
    Gallery,
    GalleryImage,
    Image,
    ImageStatus,
    LoginFailure,
    ShareLink,
    utcnow,
)
from imageapp.services import accounts
from imageapp.services.accounts import _token_hash
from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.library import ImageSummary, LibraryFilter, get_active_image, list_images
from imageapp.services.scoping import in_library

TOKEN_BYTES = 32
PASSWORD_MAX = 1024
# Wrong passwords per link and address within the window, before the link waits.
MAX_PASSWORD_FAILURES = 10
PASSWORD_WINDOW = timedelta(minutes=15)
LAST_VISIT_PRECISION = timedelta(minutes=1)
MAX_SHARED_IMAGES = 1000  # a gallery page shows at most this many


@dataclass(frozen=True, slots=True)
class ShareLinkInfo:
    id: int
    gallery_id: int | None
    image_id: int | None
    expires_at: datetime | None  # the first moment it no longer works (UTC)
    has_password: bool
    allow_download: bool
    created_at: datetime
    last_visited_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewShareLink:
    info: ShareLinkInfo
    token: str  # shown once: in the link's URL


class LinkGone(ImageAppError):
    """Expired or revoked: the public page answers 410 saying so."""

    def __init__(self, expired: bool) -> None:
        self.expired = expired
        super().__init__(
            "link_expired" if expired else "link_revoked",
            "This link has expired." if expired else "This link was turned off by its owner.",
        )


class TargetNotFound(ImageAppError):
    def __init__(self) -> None:
        super().__init__("not_found", "There is no such gallery or image in your store.")


def expiry_of(day: date | None) -> datetime | None:
    """A link "until" a day works through that whole day (UTC)."""
    return None if day is None else datetime.combine(day + timedelta(days=1), time())


class ShareLinkService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self,
        *,
        store_id: int,
        user_id: int | None,
        gallery_id: int | None = None,
        image_id: int | None = None,
        expires_on: date | None = None,
        password: str = "",
        allow_download: bool = False,
    ) -> NewShareLink:
        """A new link to one of the store's galleries or finished images."""
        errors: dict[str, str] = {}
        now = utcnow()
        expires_at = expiry_of(expires_on)
        if expires_at is not None and expires_at <= now:
            errors["expires_at"] = "Choose today or a later day (or no expiry)."
        if len(password) > PASSWORD_MAX:
            errors["password"] = f"Use at most {PASSWORD_MAX} characters."
        if errors:
            raise FormInvalid(errors)
        if (gallery_id is None) == (image_id is None):
            raise TargetNotFound()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        values: dict[str, Any] = {
            "store_id": store_id,
            "gallery_id": gallery_id,
            "image_id": image_id,
            "token_hash": _token_hash(token),
            "password_hash": accounts._hasher.hash(password) if password else None,
            "allow_download": allow_download,
            "expires_at": expires_at,
            "created_by": user_id,
            "created_at": now,
        }
        with self.engine.begin() as connection:
            if not self._target_is_the_stores(connection, store_id, gallery_id, image_id):
                raise TargetNotFound()
            link_id = connection.execute(
                sa.insert(ShareLink).values(**values).returning(col(ShareLink.id))
            ).scalar_one()
        return NewShareLink(info=_info({"id": link_id, **values}), token=token)

    @staticmethod
    def _target_is_the_stores(
        connection: sa.Connection, store_id: int, gallery_id: int | None, image_id: int | None
    ) -> bool:
        if gallery_id is not None:
            found = connection.scalar(
                sa.select(col(Gallery.id)).where(
                    col(Gallery.id) == gallery_id, col(Gallery.store_id) == store_id
                )
            )
        else:
            found = connection.scalar(
                sa.select(col(Image.id)).where(
                    col(Image.id) == image_id,
                    in_library(store_id),  # finished, not in the trash
                )
            )
        return found is not None

    def links_of(
        self, *, store_id: int, gallery_id: int | None = None, image_id: int | None = None
    ) -> list[ShareLinkInfo]:
        """The live (not revoked) links of one gallery or image of the store, oldest first."""
        target = (
            col(ShareLink.gallery_id) == gallery_id
            if gallery_id is not None
            else col(ShareLink.image_id) == image_id
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(ShareLink)
                .where(
                    col(ShareLink.store_id) == store_id, target, col(ShareLink.revoked_at).is_(None)
                )
                .order_by(col(ShareLink.created_at), col(ShareLink.id))
            ).all()
        return [_info(row._mapping) for row in rows]

    def revoke(self, *, store_id: int, link_id: int) -> bool:
        """Turn the store's link off for good; False if there is no such live link."""
        with self.engine.begin() as connection:
            done = connection.execute(
                sa.update(ShareLink)
                .where(
                    col(ShareLink.id) == link_id,
                    col(ShareLink.store_id) == store_id,
                    col(ShareLink.revoked_at).is_(None),
                )
                .values(revoked_at=utcnow())
            ).rowcount
        return bool(done)

    def open(self, token: str) -> tuple[ShareLinkInfo, int] | None:
        """The link behind a token and its store; None if unknown; LinkGone if expired or
        revoked. Records the visit (at most once a minute)."""
        if not token or len(token) > 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(ShareLink).where(col(ShareLink.token_hash) == _token_hash(token))
            ).first()
        if row is None:
            return None
        now = utcnow()
        if row.revoked_at is not None:
            raise LinkGone(expired=False)
        if row.expires_at is not None and row.expires_at <= now:
            raise LinkGone(expired=True)
        if row.last_visited_at is None or now - row.last_visited_at >= LAST_VISIT_PRECISION:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(ShareLink)
                    .where(col(ShareLink.id) == row.id)
                    .values(last_visited_at=now)
                )
        return _info(row._mapping), int(row.store_id)

    def check_password(self, *, link_id: int, password: str, address: str) -> bool:
        """Whether ``password`` opens the link; too many wrong ones from one address wait."""
        key = f"share-link:{link_id}"
        since = utcnow() - PASSWORD_WINDOW
        with self.engine.connect() as connection:
            failures = (
                connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(LoginFailure)
                    .where(
                        col(LoginFailure.email) == key,
                        col(LoginFailure.address) == address[:64],
                        col(LoginFailure.created_at) > since,
                    )
                )
                or 0
            )
            stored = connection.scalar(
                sa.select(col(ShareLink.password_hash)).where(col(ShareLink.id) == link_id)
            )
        if failures >= MAX_PASSWORD_FAILURES:
            minutes = int(PASSWORD_WINDOW.total_seconds() // 60)
            raise ImageAppError(
                "throttled", f"Too many wrong passwords. Please wait {minutes} minutes."
            )
        if stored is None:
            return True
        if accounts._verify(stored, password[:PASSWORD_MAX]):
            return True
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(LoginFailure).values(email=key, address=address[:64], created_at=utcnow())
            )
        return False

    def shared_images(self, link: ShareLinkInfo, store_id: int) -> list[ImageSummary]:
        """What the link shows: its gallery's active images in order, or its one image if
        active. Anything made inactive (or deleted) is gone from the link at once."""
        with Session(self.engine) as session:
            if link.image_id is not None:
                image = get_active_image(session, link.image_id, store_id=store_id)
                return [image] if image is not None else []
            listing = list_images(
                session,
                store_id=store_id,
                filters=LibraryFilter(status=ImageStatus.ACTIVE.value, gallery_id=link.gallery_id),
                page_size=MAX_SHARED_IMAGES,
            )
        return list(listing.items)

    def shows_image(self, link: ShareLinkInfo, store_id: int, image_id: int) -> bool:
        """Whether ``image_id`` is one of the images the link shows right now (those of
        ``shared_images``). Every picture of a shared page asks this: one query of ids, not
        the page's whole listing with its count and summaries."""
        if link.image_id is not None:
            if link.image_id != image_id:
                return False
            with Session(self.engine) as session:
                return get_active_image(session, image_id, store_id=store_id) is not None
        shown = (
            sa.select(col(Image.id).label("id"))
            .join(GalleryImage, col(GalleryImage.image_id) == col(Image.id))
            .where(
                col(GalleryImage.gallery_id) == link.gallery_id,
                in_library(store_id, (ImageStatus.ACTIVE.value,)),
            )
            .order_by(col(GalleryImage.display_order), col(Image.id))  # the page's order
            .limit(MAX_SHARED_IMAGES)
            .subquery()
        )
        with self.engine.connect() as connection:
            found = connection.scalar(sa.select(shown.c.id).where(shown.c.id == image_id))
        return found is not None


def _info(row: Any) -> ShareLinkInfo:
    return ShareLinkInfo(
        id=int(row["id"]),
        gallery_id=row["gallery_id"],
        image_id=row["image_id"],
        expires_at=row["expires_at"],
        has_password=row["password_hash"] is not None,
        allow_download=bool(row["allow_download"]),
        created_at=row["created_at"],
        last_visited_at=row.get("last_visited_at"),
    )
