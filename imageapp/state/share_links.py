"""State of the share-links section of the Reflex gallery and image pages: list, make (the
link handed to the page once by set_value, never kept in the state), turn off; through the
share-link use cases, for the person's own store only."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.api.schemas import absolute
from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.share_links import ShareLinkService
from imageapp.services.usecases import share_links as actions
from imageapp.state.gallery import gallery_id_in
from imageapp.state.identity import current_user, to_login
from imageapp.state.image_detail import image_id_in

NEW_LINK_FIELD = "new-share-url"


@dataclasses.dataclass(frozen=True)
class ShareRow:
    id: int
    text: str


def _target(path: str) -> dict[str, int]:
    """The gallery or image the page's address names ({} for neither)."""
    if path.startswith(urls.GALLERIES + "/"):
        found = gallery_id_in(path)
        return {"gallery_id": found} if found else {}
    found = image_id_in(path)
    return {"image_id": found} if found else {}


def _rows(store_id: int, target: dict[str, int]) -> list[ShareRow]:
    if not target:
        return []
    found = ShareLinkService(get_engine()).links_of(store_id=store_id, **target)
    return [ShareRow(id=link.id, text=actions.describe(link)) for link in found]


class ShareLinksState(rx.State):
    rows: list[ShareRow] = []
    expires_at: str = ""
    password: str = ""
    allow_download: bool = False
    errors: dict[str, str] = {}
    message: str = ""
    made: bool = False

    def _target(self) -> dict[str, int]:
        return _target(self.router.url.path)

    @rx.event
    async def load_links(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        self.rows = await asyncio.to_thread(_rows, user.store_id, self._target())
        self.made, self.message, self.errors = False, "", {}
        return None

    @rx.event
    def set_expires_at(self, value: str) -> None:
        self.expires_at = value[:20]

    @rx.event
    def set_password(self, value: str) -> None:
        self.password = value[:1024]

    @rx.event
    def set_allow_download(self, value: bool) -> None:
        self.allow_download = bool(value)

    @rx.event
    async def create(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        target = self._target()
        fields = {
            "expires_at": self.expires_at,
            "password": self.password,
            "allow_download": "1" if self.allow_download else "",
        }
        create = functools.partial(
            actions.create_share_link,
            ShareLinkService(get_engine()),
            store_id=user.store_id,
            user_id=user.id,
            raw_fields=fields,
            **target,
        )
        outcome = await asyncio.to_thread(create)
        self.password = ""
        if not isinstance(outcome, actions.ShareCreated):
            self.errors = getattr(outcome, "errors", {})
            self.message = outcome.message
            return None
        self.errors, self.expires_at, self.allow_download = {}, "", False
        self.message, self.made = outcome.message, True
        self.rows = await asyncio.to_thread(_rows, user.store_id, target)
        path = urls.share(outcome.link.token)
        shown = absolute(get_settings(), path)
        origin = self.router.headers.origin or ""
        return rx.set_value(NEW_LINK_FIELD, shown if shown != path else origin + path)

    @rx.event
    async def revoke(self, link_id: int) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        revoke = functools.partial(
            actions.revoke_share_link,
            ShareLinkService(get_engine()),
            store_id=user.store_id,
            link_id=link_id,
        )
        self.message = await asyncio.to_thread(revoke)
        self.rows = await asyncio.to_thread(_rows, user.store_id, self._target())
        return None
