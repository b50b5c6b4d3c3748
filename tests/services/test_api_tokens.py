"""ApiTokenService on SQLite and PostgreSQL: made once, stored hashed, names unique per
person, revoked at once, last use recorded at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from imageapp.models import ApiToken
from imageapp.services import api_tokens
from imageapp.services.accounts import AccountService
from imageapp.services.api_tokens import ApiTokenService, TokenNotFound
from imageapp.services.errors import FormInvalid


@pytest.fixture
def tokens(engine: Engine) -> ApiTokenService:
    return ApiTokenService(engine)


def person(engine: Engine, email: str, store: str = "Harbour") -> int:
    return (
        AccountService(engine)
        .create_user(store_name=store, email=email, password="a long enough password")
        .id
    )


def test_made_once_and_kept_hashed(engine: Engine, tokens: ApiTokenService) -> None:
    ann = person(engine, "ann@example.com")
    made = tokens.create(user_id=ann, name="  shop   site ", scope="write")
    assert made.info.name == "shop site"
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash != made.value
    assert made.value not in row.token_hash
    found = tokens.user_for_token(made.value)
    assert found is not None
    assert (found.user.email, found.scope, found.token_id) == ("ann@example.com", "write", row.id)
    assert tokens.user_for_token(made.value + "x") is None
    assert tokens.user_for_token("") is None
    assert tokens.user_for_token(None) is None


def test_names_unique_per_person_and_checked(engine: Engine, tokens: ApiTokenService) -> None:
    ann, ben = person(engine, "ann@example.com"), person(engine, "ben@example.com")
    tokens.create(user_id=ann, name="site", scope="read")
    tokens.create(user_id=ben, name="site", scope="read")  # someone else's name is fine
    with pytest.raises(FormInvalid) as again:
        tokens.create(user_id=ann, name="site", scope="read")
    assert "name" in again.value.errors
    with pytest.raises(FormInvalid) as bad:
        tokens.create(user_id=ann, name="x" * 101, scope="admin")
    assert set(bad.value.errors) == {"name", "scope"}


def test_revoke_only_ones_own(engine: Engine, tokens: ApiTokenService) -> None:
    ann, ben = person(engine, "ann@example.com"), person(engine, "ben@example.com", "Other")
    made = tokens.create(user_id=ann, name="site", scope="read")
    with pytest.raises(TokenNotFound):
        tokens.revoke(user_id=ben, token_id=made.info.id)
    assert tokens.user_for_token(made.value) is not None
    assert tokens.revoke(user_id=ann, token_id=made.info.id).name == "site"
    assert tokens.user_for_token(made.value) is None
    with pytest.raises(TokenNotFound):
        tokens.revoke_named(email="ann@example.com", name="site")


def test_last_used_written_at_most_once_a_minute(
    engine: Engine, tokens: ApiTokenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = person(engine, "ann@example.com")
    made = tokens.create(user_id=ann, name="site", scope="read")
    start = made.info.created_at
    monkeypatch.setattr(api_tokens, "utcnow", lambda: start + timedelta(seconds=5))
    tokens.user_for_token(made.value)
    monkeypatch.setattr(api_tokens, "utcnow", lambda: start + timedelta(seconds=50))
    tokens.user_for_token(made.value)
    assert tokens.tokens_of(user_id=ann)[0].last_used_at == start + timedelta(seconds=5)
    monkeypatch.setattr(api_tokens, "utcnow", lambda: start + timedelta(seconds=70))
    tokens.user_for_token(made.value)
    assert tokens.tokens_of(user_id=ann)[0].last_used_at == start + timedelta(seconds=70)
