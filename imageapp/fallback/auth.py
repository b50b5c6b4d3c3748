"""Who is logged in, for the no-JS pages: the login session token lives in the signed cookie."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends
from starlette.requests import Request

from imageapp import urls
from imageapp.fallback.deps import EngineDep
from imageapp.services.accounts import AccountService, CurrentUser
from imageapp.services.api_tokens import ApiTokenService
from imageapp.session_cookie import AUTH_KEY


class LoginRequired(Exception):
    """Raised by the dependency below; answered with a 303 to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def account_service(engine: EngineDep) -> AccountService:
    return AccountService(engine)


AccountsDep = Annotated[AccountService, Depends(account_service)]


def optional_user(request: Request, accounts: AccountsDep) -> CurrentUser | None:
    return accounts.user_for_session(request.session.get(AUTH_KEY))


def required_user(request: Request, accounts: AccountsDep) -> CurrentUser:
    user = optional_user(request, accounts)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.user = user
    return user


def optional_viewer(request: Request, accounts: AccountsDep) -> CurrentUser | None:
    """Who fetches a media file: a logged-in browser, or a program with an API token (a
    storefront's server fetching the renditions the API listed)."""
    user = optional_user(request, accounts)
    if user is not None:
        return user
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    found = ApiTokenService(accounts.engine).user_for_token(value.strip())
    return found.user if found else None


UserDep = Annotated[CurrentUser, Depends(required_user)]
OptionalUserDep = Annotated[CurrentUser | None, Depends(optional_user)]
ViewerDep = Annotated[CurrentUser | None, Depends(optional_viewer)]


def login_url(next_url: str) -> str:
    return urls.login(next_url)


def safe_next(next_url: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//'): never an open redirect."""
    if not next_url:
        return urls.NOJS_LIBRARY
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or not next_url.startswith("/") or next_url.startswith("//"):
        return urls.NOJS_LIBRARY
    if "\\" in next_url:
        return urls.NOJS_LIBRARY
    return next_url


def begin_login_session(request: Request, accounts: AccountService, user: CurrentUser) -> None:
    """Session fixation defence: a logged-in browser gets a brand-new session (nothing of the
    one before, and a login token of its own)."""
    accounts.end_session(request.session.get(AUTH_KEY))
    request.session.clear()
    request.session[AUTH_KEY] = accounts.start_session(user)


def end_login_session(request: Request, accounts: AccountService) -> None:
    accounts.end_session(request.session.get(AUTH_KEY))
    request.session.clear()
