"""Accounts for browser tests: a user in the prod server's own database, logged in by the page."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from imageapp.db import get_engine
from imageapp.models import Installation, Store, User
from imageapp.services.accounts import AccountService, CurrentUser
from tests.support.prod_server import ProdServer

PASSWORD = "browser test password"


def create_user(server: ProdServer, store: str = "Browser Test Store") -> CurrentUser:
    """A fresh user (unique email) of ``store`` in the server's database."""
    accounts = AccountService(get_engine(server.database_url))
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    return accounts.create_user(store_name=store, email=email, password=PASSWORD, is_admin=True)


def log_in(page: Page, server: ProdServer, user: CurrentUser, next_path: str = "") -> None:
    """Log in through the real HTML form (works with JavaScript on or off)."""
    page.goto(server.base_url + "/nojs/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def forget_all_accounts(server: ProdServer) -> None:
    """Back to a fresh installation (the shared server may have users from other tests)."""
    with get_engine(server.database_url).begin() as connection:
        for table in (User, Store, Installation):
            connection.execute(sa.delete(table))
