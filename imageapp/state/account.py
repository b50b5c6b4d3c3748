"""The logged-in user as the header shows it, and logging out, for every Reflex page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.state import identity


class AccountState(rx.State):
    email: str = ""
    store_name: str = ""

    @rx.event
    async def load_user(self) -> Any:
        """Every page's first on_load: who is here, or off to the login page."""
        user = await identity.current_user(self)
        if user is None:
            self.email = self.store_name = ""
            return identity.to_login(self)
        self.email, self.store_name = user.email, user.store_name
        return None

    @rx.event
    async def log_out(self) -> Any:
        """End the login session; the login page follows (the HTML one, as after any logout)."""
        await identity.log_out(self)
        self.email = self.store_name = ""
        return identity.load_page(urls.LOGIN)
