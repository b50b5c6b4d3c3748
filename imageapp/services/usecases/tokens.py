"""API tokens as both UIs and the CLI offer them: make one (its value shown once), list a
person's tokens, revoke one; each says what happened in one sentence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from imageapp.services.api_tokens import ApiTokenService, NewToken, TokenNotFound
from imageapp.services.errors import FormInvalid
from imageapp.services.ids import parse_id

SHOWN_ONCE = "Copy it now: it is shown only this once."


@dataclass(frozen=True, slots=True)
class TokenCreated:
    token: NewToken

    @property
    def message(self) -> str:
        info = self.token.info
        return f"Token '{info.name}' ({info.scope}) created. {SHOWN_ONCE}"


@dataclass(frozen=True, slots=True)
class TokenRefused:
    message: str
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TokenRevoked:
    message: str


def token_values(raw: Mapping[str, object]) -> dict[str, str]:
    """The token form's fields as sent; the scope defaults to read (the safer one)."""
    return {"name": str(raw.get("name") or ""), "scope": str(raw.get("scope") or "read")}


def create_token(
    tokens: ApiTokenService, *, user_id: int, raw_fields: Mapping[str, object]
) -> TokenCreated | TokenRefused:
    values = token_values(raw_fields)
    try:
        made = tokens.create(user_id=user_id, name=values["name"], scope=values["scope"])
    except FormInvalid as invalid:
        return TokenRefused(invalid.message, invalid.errors)
    return TokenCreated(made)


def revoke_token(
    tokens: ApiTokenService, *, user_id: int, raw_id: object
) -> TokenRevoked | TokenRefused:
    """Revoke one of the person's own tokens (another person's id is not found)."""
    token_id = raw_id if isinstance(raw_id, int) else parse_id(str(raw_id or ""))
    try:
        if token_id is None:
            raise TokenNotFound()
        revoked = tokens.revoke(user_id=user_id, token_id=token_id)
    except TokenNotFound as missing:
        return TokenRefused(missing.message)
    return TokenRevoked(revoked_sentence(revoked.name))


def revoke_named_token(
    tokens: ApiTokenService, *, email: str, name: str
) -> TokenRevoked | TokenRefused:
    try:
        revoked = tokens.revoke_named(email=email, name=name)
    except TokenNotFound as missing:
        return TokenRefused(missing.message)
    return TokenRevoked(revoked_sentence(revoked.name))


def revoked_sentence(name: str) -> str:
    return f"Token '{name}' revoked: programs using it can no longer get in."
