"""Stores, users, logins and sessions. Passwords only ever exist as argon2 hashes.

A login session is a random token in the signed cookie; the database keeps only its SHA-256,
so neither a leaked database nor a leaked log line lets anyone in, and logout really ends it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from imageapp.models import Image, Installation, LoginFailure, Store, User, UserSession, utcnow
from imageapp.services.errors import FormInvalid, ImageAppError
from imageapp.services.sql import insert_ignoring_conflict

log = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
STORE_NAME_MAX = 100
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
SESSION_LIFETIME = timedelta(days=14)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("imageapp-dummy-password")


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who is logged in, as both UIs need it."""

    id: int
    email: str
    store_id: int
    store_name: str
    is_admin: bool

    @property
    def upload_owner(self) -> str:
        """The owner string of this user's pending uploads."""
        return f"user:{self.id}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def check_new_account(*, email: str, password: str, password_confirm: str) -> dict[str, str]:
    """Field errors of a new account's email and password ({} when fine)."""
    errors: dict[str, str] = {}
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        errors["email"] = "Enter a valid email address, e.g. name@example.com."
    if len(password) < PASSWORD_MIN:
        errors["password"] = f"Use at least {PASSWORD_MIN} characters."
    elif len(password) > PASSWORD_MAX:
        errors["password"] = f"Use at most {PASSWORD_MAX} characters."
    if password != password_confirm:
        errors["password_confirm"] = "The two passwords do not match."  # noqa: S105
    return errors


class AccountService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- first run and creating accounts ----------------------------------------------------

    def needs_setup(self) -> bool:
        """True while no user exists: the first visitor may create the store and its admin."""
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    def setup(
        self, *, store_name: str, email: str, password: str, password_confirm: str
    ) -> CurrentUser:
        """Create the first store and its admin; refused once anyone exists (race-safe)."""
        store_name, email = " ".join(store_name.split()), normalize_email(email)
        errors = check_new_account(
            email=email, password=password, password_confirm=password_confirm
        )
        if not store_name or len(store_name) > STORE_NAME_MAX:
            errors["store_name"] = f"Enter the store's name (up to {STORE_NAME_MAX} characters)."
        if errors:
            raise FormInvalid(errors)
        already_set_up = ImageAppError("setup_done", "imageapp is already set up.")
        try:
            with self.engine.begin() as connection:
                # The single-row table is the lock: a second, concurrent setup fails here.
                connection.execute(sa.insert(Installation).values(id=1, created_at=utcnow()))
                if connection.scalar(sa.select(sa.func.count()).select_from(User)):
                    raise already_set_up  # users made by the CLI before any setup
                store_id = self._get_or_create_store(connection, store_name)
                user = self._insert_user(connection, store_id, email, password, is_admin=True)
                _claim_images_from_before_accounts(connection, store_id)
        except sa.exc.IntegrityError:
            raise already_set_up from None
        log.info("first-run setup: store %r, admin %s", store_name, email)
        return user

    def create_user(
        self, *, store_name: str, email: str, password: str, is_admin: bool = False
    ) -> CurrentUser:
        """For scripts: the store is created when it does not exist yet."""
        email = normalize_email(email)
        errors = check_new_account(email=email, password=password, password_confirm=password)
        if errors:
            raise FormInvalid(errors)
        try:
            with self.engine.begin() as connection:
                insert_ignoring_conflict(
                    connection, Installation, [{"id": 1, "created_at": utcnow()}]
                )
                first_user = not connection.scalar(sa.select(sa.func.count()).select_from(User))
                store_id = self._get_or_create_store(connection, " ".join(store_name.split()))
                user = self._insert_user(connection, store_id, email, password, is_admin=is_admin)
                if first_user:
                    _claim_images_from_before_accounts(connection, store_id)
        except sa.exc.IntegrityError:
            raise FormInvalid({"email": "A user with this email exists already."}) from None
        log.info("user %s created in store %r (admin: %s)", email, store_name, is_admin)
        return user

    def add_member(
        self, admin: CurrentUser, *, email: str, password: str, is_admin: bool = False
    ) -> CurrentUser:
        """An admin adds a colleague to their own store."""
        if not admin.is_admin:
            raise ImageAppError("forbidden", "Only a store's admins can add people to it.")
        return self.create_user(
            store_name=admin.store_name, email=email, password=password, is_admin=is_admin
        )

    def set_store_quota(
        self, *, store_name: str, max_images: int | None, max_bytes: int | None
    ) -> None:
        """Set (or with None, remove) a store's own limits."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(Store)
                .where(col(Store.name) == " ".join(store_name.split()))
                .values(max_images=max_images, max_bytes=max_bytes)
            ).rowcount
        if not updated:
            raise ImageAppError("no_store", f"There is no store named {store_name!r}.")
        log.info("store %r quota: %s images, %s bytes", store_name, max_images, max_bytes)

    def members(self, store_id: int) -> list[CurrentUser]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                _user_query().where(col(User.store_id) == store_id).order_by(col(User.email))
            ).all()
        return [_current_user(row) for row in rows]

    # -- logging in and out -------------------------------------------------------------------

    def authenticate(self, *, email: str, password: str, address: str) -> CurrentUser:
        """The user for these credentials, or an error; repeated failures are throttled."""
        email = normalize_email(email)
        self._refuse_if_throttled(email, address)
        with self.engine.connect() as connection:
            row = connection.execute(
                _user_query(col(User.password_hash)).where(col(User.email) == email)
            ).first()
        if not _verify(row.password_hash if row else _DUMMY_HASH, password) or row is None:
            self._record_failure(email, address)
            log.info("failed login for %s from %s", email, address)
            raise ImageAppError("invalid_credentials", "Wrong email or password.")
        with self.engine.begin() as connection:
            connection.execute(sa.delete(LoginFailure).where(col(LoginFailure.email) == email))
            connection.execute(
                sa.update(User).where(col(User.id) == row.id).values(last_login_at=utcnow())
            )
            if _hasher.check_needs_rehash(row.password_hash):
                connection.execute(
                    sa.update(User)
                    .where(col(User.id) == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
        log.info("login: %s from %s", email, address)
        return _current_user(row)

    def start_session(self, user: CurrentUser) -> str:
        """A new login session; returns the token to keep in the signed cookie."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(UserSession).values(
                    token_hash=_token_hash(token), user_id=user.id, created_at=utcnow()
                )
            )
        return token

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with self.engine.begin() as connection:
            connection.execute(
                sa.delete(UserSession).where(col(UserSession.token_hash) == _token_hash(token))
            )

    def user_for_session(self, token: str | None) -> CurrentUser | None:
        """The user of a live login session, or None (unknown, ended or too old)."""
        if not token or not isinstance(token, str):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                _SESSION_USER,
                {"token_hash": _token_hash(token), "started_after": utcnow() - SESSION_LIFETIME},
            ).first()
        return _current_user(row) if row else None

    def purge_stale(self) -> int:
        """Forget failed logins past the throttle window and login sessions past their
        lifetime (neither counts any more); returns how many rows went."""
        now = utcnow()
        with self.engine.begin() as connection:
            failures = connection.execute(
                sa.delete(LoginFailure).where(col(LoginFailure.created_at) < now - THROTTLE_WINDOW)
            ).rowcount
            sessions = connection.execute(
                sa.delete(UserSession).where(col(UserSession.created_at) < now - SESSION_LIFETIME)
            ).rowcount
        return int(failures or 0) + int(sessions or 0)

    # -- internals ----------------------------------------------------------------------------

    def _refuse_if_throttled(self, email: str, address: str) -> None:
        since = utcnow() - THROTTLE_WINDOW
        with self.engine.connect() as connection:
            by_account, by_address = (
                connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(LoginFailure)
                    .where(condition, col(LoginFailure.created_at) > since)
                )
                or 0
                for condition in (
                    col(LoginFailure.email) == email,
                    col(LoginFailure.address) == address,
                )
            )
        if by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS:
            minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
            log.warning("login throttled for %s from %s", email, address)
            raise ImageAppError(
                "throttled",
                f"Too many failed attempts. Please wait {minutes} minutes and try again.",
            )

    def _record_failure(self, email: str, address: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(LoginFailure).values(
                    email=email[:254], address=address[:64], created_at=utcnow()
                )
            )

    @staticmethod
    def _get_or_create_store(connection: Connection, name: str) -> int:
        insert_ignoring_conflict(connection, Store, [{"name": name, "created_at": utcnow()}])
        store_id = connection.scalar(sa.select(col(Store.id)).where(col(Store.name) == name))
        assert store_id is not None
        return store_id

    @staticmethod
    def _insert_user(
        connection: Connection, store_id: int, email: str, password: str, *, is_admin: bool
    ) -> CurrentUser:
        user_id = connection.execute(
            sa.insert(User)
            .values(
                store_id=store_id,
                email=email,
                password_hash=_hasher.hash(password),
                is_admin=is_admin,
                created_at=utcnow(),
            )
            .returning(col(User.id))
        ).scalar_one()
        row = connection.execute(_user_query().where(col(User.id) == user_id)).one()
        return _current_user(row)


def _claim_images_from_before_accounts(connection: Connection, store_id: int) -> None:
    """Images uploaded before anyone had an account belong to the first store."""
    connection.execute(
        sa.update(Image).where(col(Image.store_id).is_(None)).values(store_id=store_id)
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _user_query(*extra: Any) -> sa.Select[Any]:
    return sa.select(
        col(User.id),
        col(User.email),
        col(User.store_id),
        col(Store.name).label("store_name"),
        col(User.is_admin),
        *extra,
    ).join(Store, col(Store.id) == col(User.store_id))


# Every request of a logged-in browser runs it: built once.
_SESSION_USER = (
    _user_query()
    .join(UserSession, col(UserSession.user_id) == col(User.id))
    .where(
        col(UserSession.token_hash) == sa.bindparam("token_hash"),
        col(UserSession.created_at) > sa.bindparam("started_after"),
    )
)


def _current_user(row: sa.Row[Any]) -> CurrentUser:
    return CurrentUser(
        id=int(row.id),
        email=str(row.email),
        store_id=int(row.store_id),
        store_name=str(row.store_name),
        is_admin=bool(row.is_admin),
    )
