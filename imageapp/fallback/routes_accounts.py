"""First-run setup, login, logout and store members, as plain HTML forms (DESIGN.md Accounts)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import (
    AccountsDep,
    OptionalUserDep,
    UserDep,
    begin_login_session,
    end_login_session,
    login_url,
    safe_next,
)
from imageapp.fallback.forms import read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash, keep_form_state, pop_form_state
from imageapp.services.errors import FormInvalid, ImageAppError

router = APIRouter(prefix=urls.NOJS)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/setup")
def setup_form(request: Request, accounts: AccountsDep) -> Response:
    if not accounts.needs_setup():
        raise HTTPException(404, "There is no page at this address.")
    values, errors = pop_form_state(request)
    return render(request, "setup.html", values=values, errors=errors)


@router.post("/setup")
async def setup_submit(request: Request, accounts: AccountsDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    if not await run_in_threadpool(accounts.needs_setup):
        raise HTTPException(404, "There is no page at this address.")
    values = {key: form.get(key, "") for key in ("store_name", "email")}
    try:
        user = await run_in_threadpool(
            lambda: accounts.setup(
                store_name=values["store_name"],
                email=values["email"],
                password=form.get("password", ""),
                password_confirm=form.get("password_confirm", ""),
            )
        )
    except FormInvalid as invalid:
        keep_form_state(request, values, invalid.errors)
        return redirect(urls.SETUP)
    except ImageAppError:
        raise HTTPException(404, "There is no page at this address.") from None
    await run_in_threadpool(begin_login_session, request, accounts, user)
    flash(request, f"Welcome! {user.store_name} is ready; upload your first image.", "success")
    return redirect(urls.NOJS_LIBRARY)


@router.get("/login")
def login_form(
    request: Request, accounts: AccountsDep, user: OptionalUserDep, next: str = ""
) -> Response:
    if accounts.needs_setup():
        return redirect(urls.SETUP)
    if user is not None:
        return redirect(safe_next(next))
    values, errors = pop_form_state(request)
    return render(request, "login.html", values=values | {"next": safe_next(next)}, errors=errors)


@router.post("/login")
async def login_submit(request: Request, accounts: AccountsDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    values = {"email": form.get("email", ""), "next": safe_next(form.get("next"))}
    try:
        user = await run_in_threadpool(
            lambda: accounts.authenticate(
                email=values["email"],
                password=form.get("password", ""),
                address=client_address(request),
            )
        )
    except ImageAppError as refused:
        keep_form_state(request, {"email": values["email"]}, {"form": refused.message})
        return redirect(login_url(values["next"]))
    await run_in_threadpool(begin_login_session, request, accounts, user)
    return redirect(values["next"])


@router.post("/logout")
async def logout(request: Request, accounts: AccountsDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    await run_in_threadpool(end_login_session, request, accounts)
    flash(request, "You are logged out.", "info")
    return redirect(urls.LOGIN)


@router.get("/users")
def members(request: Request, accounts: AccountsDep, user: UserDep) -> Response:
    values, errors = pop_form_state(request)
    return render(
        request,
        "users.html",
        members=accounts.members(user.store_id),
        values=values,
        errors=errors,
    )


@router.post("/users")
async def add_member(request: Request, accounts: AccountsDep, user: UserDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    if not user.is_admin:
        raise HTTPException(403, "Only a store's admins can add people to it.")
    values = {"email": form.get("email", ""), "is_admin": form.get("is_admin", "")}
    password = form.get("password", "")
    try:
        added = await run_in_threadpool(
            lambda: accounts.add_member(
                user, email=values["email"], password=password, is_admin=bool(values["is_admin"])
            )
        )
    except FormInvalid as invalid:
        keep_form_state(request, values, invalid.errors)
        return redirect(urls.USERS)
    flash(request, f"{added.email} can now log in to {user.store_name}.", "success")
    return redirect(urls.USERS)
