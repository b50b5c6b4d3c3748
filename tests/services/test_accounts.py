"""Accounts against real SQLite and PostgreSQL: setup, users, login, throttling, sessions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imageapp.db import create_engine_for
from imageapp.models import LoginFailure, User, UserSession, utcnow
from imageapp.services.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    AccountService,
)
from imageapp.services.errors import FormInvalid, ImageAppError

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(engine: Engine) -> AccountService:
    return AccountService(engine)


def test_setup_creates_store_and_admin_once(accounts: AccountService) -> None:
    assert accounts.needs_setup()
    admin = accounts.setup(
        store_name="  Harbour   Photos ",
        email="Ann@Example.COM",
        password=PASSWORD,
        password_confirm=PASSWORD,
    )
    assert (admin.store_name, admin.email, admin.is_admin) == (
        "Harbour Photos",
        "ann@example.com",
        True,
    )
    assert not accounts.needs_setup()
    with pytest.raises(ImageAppError) as err:
        accounts.setup(
            store_name="Other", email="b@example.com", password=PASSWORD, password_confirm=PASSWORD
        )
    assert err.value.code == "setup_done"


def test_concurrent_setups_make_exactly_one_admin(accounts: AccountService, engine: Engine) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            accounts.setup(
                store_name=f"Store {n}",
                email=f"u{n}@example.com",
                password=PASSWORD,
                password_confirm=PASSWORD,
            )
            outcomes.append("created")
        except ImageAppError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "setup_done", "setup_done", "setup_done"]
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"password_confirm": "something else"}, "password_confirm"),
        ({"store_name": "   "}, "store_name"),
    ],
)
def test_setup_checks_each_field(
    accounts: AccountService, fields: dict[str, str], field: str
) -> None:
    values = {
        "store_name": "S",
        "email": "a@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    } | fields
    with pytest.raises(FormInvalid) as err:
        accounts.setup(**values)
    assert set(err.value.errors) == {field}
    assert accounts.needs_setup()


def test_passwords_are_stored_as_argon2_hashes(accounts: AccountService, engine: Engine) -> None:
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    with engine.connect() as connection:
        stored = connection.scalar(sa.select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_login_and_sessions(accounts: AccountService) -> None:
    created = accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    user = accounts.authenticate(email=" A@example.com", password=PASSWORD, address="1.2.3.4")
    assert user == created
    token = accounts.start_session(user)
    assert accounts.user_for_session(token) == user
    assert accounts.user_for_session(token + "x") is None
    accounts.end_session(token)
    assert accounts.user_for_session(token) is None


def test_session_tokens_are_kept_only_as_hashes(accounts: AccountService, engine: Engine) -> None:
    user = accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    token = accounts.start_session(user)
    with engine.connect() as connection:
        kept = connection.scalar(sa.select(UserSession.token_hash))
    assert kept != token
    assert len(kept) == 64


def test_old_sessions_expire(accounts: AccountService, engine: Engine) -> None:
    user = accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    token = accounts.start_session(user)
    with engine.begin() as connection:
        connection.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(days=30)))
    assert accounts.user_for_session(token) is None


@pytest.mark.parametrize(
    ("email", "password"), [("a@example.com", "wrong password"), ("nobody@example.com", PASSWORD)]
)
def test_wrong_credentials_say_the_same(
    accounts: AccountService, email: str, password: str
) -> None:
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    with pytest.raises(ImageAppError) as err:
        accounts.authenticate(email=email, password=password, address="1.2.3.4")
    assert (err.value.code, err.value.message) == (
        "invalid_credentials",
        "Wrong email or password.",
    )


def test_throttling_per_account(accounts: AccountService) -> None:
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ImageAppError):
            accounts.authenticate(email="a@example.com", password="nope", address=f"10.0.0.{n}")
    with pytest.raises(ImageAppError) as err:  # even the right password waits now
        accounts.authenticate(email="a@example.com", password=PASSWORD, address="10.0.1.1")
    assert err.value.code == "throttled"
    assert "Too many failed attempts" in err.value.message


def test_throttling_per_address(accounts: AccountService) -> None:
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    for n in range(MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(ImageAppError):
            accounts.authenticate(email=f"guess{n}@example.com", password="x", address="6.6.6.6")
    with pytest.raises(ImageAppError) as err:
        accounts.authenticate(email="a@example.com", password=PASSWORD, address="6.6.6.6")
    assert err.value.code == "throttled"
    assert accounts.authenticate(email="a@example.com", password=PASSWORD, address="7.7.7.7")


def test_throttling_counts_across_processes(accounts: AccountService, engine: Engine) -> None:
    """Web workers each have their own engine (connection pool) over the same database: the
    failures one records count in every other one."""
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    other_engine = create_engine_for(engine.url.render_as_string(hide_password=False))
    try:
        other_worker = AccountService(other_engine)
        for n in range(MAX_FAILURES_PER_ACCOUNT):
            worker = accounts if n % 2 else other_worker
            with pytest.raises(ImageAppError):
                worker.authenticate(email="a@example.com", password="nope", address=f"10.0.0.{n}")
        for worker in (accounts, other_worker):
            with pytest.raises(ImageAppError) as err:
                worker.authenticate(email="a@example.com", password=PASSWORD, address="10.0.1.1")
            assert err.value.code == "throttled"
    finally:
        other_engine.dispose()


def test_old_failures_do_not_count(accounts: AccountService, engine: Engine) -> None:
    accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ImageAppError):
            accounts.authenticate(email="a@example.com", password="nope", address="1.1.1.1")
    with engine.begin() as connection:
        connection.execute(sa.update(LoginFailure).values(created_at=utcnow() - timedelta(hours=1)))
    assert accounts.authenticate(email="a@example.com", password=PASSWORD, address="1.1.1.1")


def test_admins_add_members_to_their_own_store(accounts: AccountService) -> None:
    admin = accounts.create_user(
        store_name="S", email="a@example.com", password=PASSWORD, is_admin=True
    )
    member = accounts.add_member(admin, email="b@example.com", password=PASSWORD)
    assert member.store_id == admin.store_id
    assert not member.is_admin
    with pytest.raises(ImageAppError) as err:
        accounts.add_member(member, email="c@example.com", password=PASSWORD)
    assert err.value.code == "forbidden"
    with pytest.raises(FormInvalid) as dup:
        accounts.add_member(admin, email="B@example.com", password=PASSWORD)
    assert "exists already" in dup.value.errors["email"]
    assert [m.email for m in accounts.members(admin.store_id)] == ["a@example.com", "b@example.com"]


def test_stale_failures_and_sessions_are_purged(accounts: AccountService, engine: Engine) -> None:
    user = accounts.create_user(store_name="S", email="a@example.com", password=PASSWORD)
    old_token = accounts.start_session(user)
    fresh_token = accounts.start_session(user)
    with pytest.raises(ImageAppError):
        accounts.authenticate(email="a@example.com", password="nope", address="1.1.1.1")
    with engine.begin() as connection:
        connection.execute(sa.update(LoginFailure).values(created_at=utcnow() - timedelta(days=1)))
        connection.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash != _hash(fresh_token))
            .values(created_at=utcnow() - timedelta(days=30))
        )
    assert accounts.purge_stale() == 2
    assert accounts.user_for_session(fresh_token) == user
    assert accounts.user_for_session(old_token) is None


def _hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()
