"""State of the API tokens page (`/tokens`): list, create, revoke, through the token use
cases (in a thread), for the logged-in person only.

A new token's value is never kept in the state (the state manager writes states to disk or
Redis): the handler hands it to the page once, as a ``set_value`` event on a read-only field.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from typing import Any

import reflex as rx

from imageapp.db import get_engine
from imageapp.services.api_tokens import ApiTokenService, TokenInfo
from imageapp.services.usecases import tokens as actions
from imageapp.state.identity import current_user, to_login

NEW_TOKEN_FIELD = "new-token-value"  # noqa: S105 (an element id)


@dataclasses.dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    scope_label: str
    created: str
    last_used: str


def _row(info: TokenInfo) -> TokenRow:
    return TokenRow(
        id=info.id,
        name=info.name,
        scope_label="Read and write" if info.scope == "write" else "Read only",
        created=f"{info.created_at:%Y-%m-%d %H:%M} UTC",
        last_used=f"{info.last_used_at:%Y-%m-%d %H:%M} UTC" if info.last_used_at else "Never",
    )


def _tokens() -> ApiTokenService:
    return ApiTokenService(get_engine())


def _rows(user_id: int) -> list[TokenRow]:
    return [_row(info) for info in _tokens().tokens_of(user_id=user_id)]


class TokensState(rx.State):
    rows: list[TokenRow] = []
    loaded: bool = False
    message: str = ""
    new_name: str = ""
    new_scope: str = "read"
    errors: dict[str, str] = {}
    # The name of the token just made, while its value is on show (the value is not here).
    made_name: str = ""

    @rx.event
    async def load_page(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        self.rows = await asyncio.to_thread(_rows, user.id)
        self.made_name = ""
        self.loaded = True
        return None

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = value[:1000]

    @rx.event
    def set_new_scope(self, value: str) -> None:
        self.new_scope = value if value in ("read", "write") else "read"

    @rx.event
    async def create(self) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        create = functools.partial(
            actions.create_token,
            _tokens(),
            user_id=user.id,
            raw_fields={"name": self.new_name, "scope": self.new_scope},
        )
        outcome = await asyncio.to_thread(create)
        if isinstance(outcome, actions.TokenRefused):
            self.errors = outcome.errors
            return None
        self.errors, self.new_name, self.new_scope = {}, "", "read"
        self.message = outcome.message
        self.made_name = outcome.token.info.name
        self.rows = await asyncio.to_thread(_rows, user.id)
        return rx.set_value(NEW_TOKEN_FIELD, outcome.token.value)

    @rx.event
    async def revoke(self, token_id: int) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        revoke = functools.partial(
            actions.revoke_token, _tokens(), user_id=user.id, raw_id=token_id
        )
        self.message = (await asyncio.to_thread(revoke)).message
        self.rows = await asyncio.to_thread(_rows, user.id)
        return None
