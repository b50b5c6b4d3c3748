"""Personal API tokens: named, scoped (read or write), shown once, kept only as a SHA-256.

The value is 32 random bytes (URL-safe), so a plain SHA-256 is the right hash: nobody can
guess their way back to it, and looking a token up costs one indexed query. A token acts as
its user: it sees exactly that user's store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from imageapp.models import ApiToken, User, utcnow
from imageapp.services.accounts import CurrentUser, _current_user, _token_hash, _user_query
from imageapp.services.errors import FormInvalid, ImageAppError

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
NAME_MAX = 100
TOKEN_PREFIX = "imageapp_"  # noqa: S105 (a prefix that makes a leaked token easy to spot)
# last_used_at is written at most this often per token: most requests only read it.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as its owner sees it listed (never its value)."""

    id: int
    name: str
    scope: Scope
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: ``value`` is shown this once and kept nowhere."""

    info: TokenInfo
    value: str


@dataclass(frozen=True, slots=True)
class TokenUser:
    """Who a request's bearer token speaks for, and with which scope."""

    user: CurrentUser
    token_id: int
    scope: Scope
    # What its requests are counted under: part of the token's hash, unique to the token in
    # every database (ids repeat across installations sharing one Redis, hashes do not).
    rate_key: str


class TokenNotFound(ImageAppError):
    def __init__(self) -> None:
        super().__init__("token_not_found", "There is no such token (revoked already?).")


def check_token_fields(*, name: str, scope: str) -> dict[str, str]:
    """Field errors of a new token ({} when fine)."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name the token, e.g. 'shop website' or 'upload script'."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Use at most {NAME_MAX} characters for the name."
    if scope not in SCOPES:
        errors["scope"] = "Choose read (look only) or write (also change and upload)."
    return errors


class ApiTokenService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, *, user_id: int, name: str, scope: str) -> NewToken:
        """A new token of the user; FormInvalid for a bad or already used name."""
        name = " ".join(name.split())
        errors = check_token_fields(name=name, scope=scope)
        if errors:
            raise FormInvalid(errors)
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        try:
            with self.engine.begin() as connection:
                token_id = connection.execute(
                    sa.insert(ApiToken)
                    .values(
                        user_id=user_id,
                        name=name,
                        scope=scope,
                        token_hash=_token_hash(value),
                        created_at=now,
                    )
                    .returning(col(ApiToken.id))
                ).scalar_one()
        except sa.exc.IntegrityError:
            raise FormInvalid(
                {"name": f"You already have a token called '{name}'; choose another name."}
            ) from None
        info = TokenInfo(id=token_id, name=name, scope=scope, created_at=now, last_used_at=None)  # type: ignore[arg-type]
        return NewToken(info=info, value=value)

    def user_id_of(self, email: str) -> int | None:
        """The id of the user with this login email (the CLI names people by email)."""
        with self.engine.connect() as connection:
            found = connection.scalar(
                sa.select(col(User.id)).where(col(User.email) == email.strip().lower())
            )
        return int(found) if found is not None else None

    def tokens_of(self, *, user_id: int) -> list[TokenInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(ApiToken)
                .where(col(ApiToken.user_id) == user_id)
                .order_by(col(ApiToken.created_at), col(ApiToken.id))
            ).all()
        return [_info(row) for row in rows]

    def all_tokens(self) -> list[tuple[int, str, TokenInfo]]:
        """Every token with its owner's id and email (the operator's list, never values)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(ApiToken, col(User.email))
                .join(User, col(User.id) == col(ApiToken.user_id))
                .order_by(col(User.email), col(ApiToken.created_at), col(ApiToken.id))
            ).all()
        return [(int(row.user_id), str(row.email), _info(row)) for row in rows]

    def revoke(self, *, user_id: int, token_id: int) -> TokenInfo:
        """Delete one of the user's tokens (another user's id: TokenNotFound)."""
        return self._revoke(col(ApiToken.user_id) == user_id, col(ApiToken.id) == token_id)

    def revoke_named(self, *, email: str, name: str) -> TokenInfo:
        """Delete the token called ``name`` of the user with ``email`` (the CLI)."""
        owner = sa.select(col(User.id)).where(col(User.email) == email.strip().lower())
        return self._revoke(
            col(ApiToken.user_id).in_(owner.scalar_subquery()),
            col(ApiToken.name) == " ".join(name.split()),
        )

    def _revoke(self, *where: sa.ColumnElement[bool]) -> TokenInfo:
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.delete(ApiToken).where(*where).returning(*ApiToken.__table__.columns)  # type: ignore[attr-defined]
            ).first()
        if row is None:
            raise TokenNotFound()
        return _info(row)

    def user_for_token(self, value: str | None) -> TokenUser | None:
        """The user a bearer token acts for, or None (unknown or revoked). Records the time
        of use when the one recorded is older than LAST_USED_PRECISION."""
        if not value or not value.startswith(TOKEN_PREFIX) or len(value) > 200:
            return None
        token_hash = _token_hash(value)
        with self.engine.connect() as connection:
            row = connection.execute(_TOKEN_USER, {"token_hash": token_hash}).first()
        if row is None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(ApiToken)
                    .where(col(ApiToken.id) == row.token_id)
                    .values(last_used_at=now)
                )
        return TokenUser(
            user=_current_user(row),
            token_id=int(row.token_id),
            scope=row.scope,
            rate_key=f"api-token:{token_hash[:32]}",
        )


_TOKEN_USER = (
    _user_query(col(ApiToken.id).label("token_id"), col(ApiToken.scope), col(ApiToken.last_used_at))
    .join(ApiToken, col(ApiToken.user_id) == col(User.id))
    .where(col(ApiToken.token_hash) == sa.bindparam("token_hash"))
)


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        id=int(row.id),
        name=str(row.name),
        scope=row.scope,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )
