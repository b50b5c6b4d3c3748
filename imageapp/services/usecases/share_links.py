"""Share links as both UIs (and the API) offer them: make one for a gallery or an image from
the values a form sent, list a gallery's or an image's links, revoke one; with the
sentences the pages show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from imageapp.services.errors import FormInvalid
from imageapp.services.share_links import (
    NewShareLink,
    ShareLinkInfo,
    ShareLinkService,
    TargetNotFound,
)

BAD_DATE = "Enter a date as YYYY-MM-DD, or leave it empty for a link that does not expire."


@dataclass(frozen=True, slots=True)
class ShareCreated:
    link: NewShareLink

    @property
    def message(self) -> str:
        return "Share link created. Copy it now: it is shown only this once."


@dataclass(frozen=True, slots=True)
class ShareRefused:
    message: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShareGone:
    """The gallery or image is not the store's (any more)."""

    message: str = TargetNotFound().message


def _expiry(raw: str) -> date | None:
    text = raw.strip()
    return date.fromisoformat(text) if text else None


def create_share_link(
    links: ShareLinkService,
    *,
    store_id: int,
    user_id: int,
    gallery_id: int | None = None,
    image_id: int | None = None,
    raw_fields: Mapping[str, object],
) -> ShareCreated | ShareRefused | ShareGone:
    """``expires_at`` (YYYY-MM-DD, empty: never), ``password`` (empty: none),
    ``allow_download`` (any non-empty value: on)."""
    try:
        expires_on = _expiry(str(raw_fields.get("expires_at") or ""))
    except ValueError:
        return ShareRefused("Please correct the highlighted fields.", {"expires_at": BAD_DATE})
    try:
        made = links.create(
            store_id=store_id,
            user_id=user_id,
            gallery_id=gallery_id,
            image_id=image_id,
            expires_on=expires_on,
            password=str(raw_fields.get("password") or ""),
            allow_download=bool(raw_fields.get("allow_download")),
        )
    except FormInvalid as invalid:
        return ShareRefused(invalid.message, invalid.errors)
    except TargetNotFound:
        return ShareGone()
    return ShareCreated(made)


def revoke_share_link(links: ShareLinkService, *, store_id: int, link_id: int) -> str:
    """The sentence for the page: revoked, or there was no such live link."""
    if links.revoke(store_id=store_id, link_id=link_id):
        return "Share link turned off: it now says the link was turned off."
    return "That share link is not there any more."


def describe(link: ShareLinkInfo) -> str:
    """One line about a link: expiry, password, downloads, last visit."""
    until = f"until {link.expires_at:%Y-%m-%d %H:%M} UTC" if link.expires_at else "no expiry"
    parts = [until, "password" if link.has_password else "no password"]
    parts.append("originals downloadable" if link.allow_download else "no downloads")
    visited = link.last_visited_at
    parts.append(f"last visit {visited:%Y-%m-%d %H:%M} UTC" if visited else "not visited yet")
    return ", ".join(parts)
