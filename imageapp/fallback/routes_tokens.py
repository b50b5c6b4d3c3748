"""Personal API tokens as plain HTML forms: list, create (the value shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from imageapp import urls
from imageapp.fallback.auth import UserDep
from imageapp.fallback.deps import EngineDep, PathId
from imageapp.fallback.forms import read_small_form, require_csrf
from imageapp.fallback.pages import redirect, render
from imageapp.fallback.session import flash, keep_form_state, pop_form_state
from imageapp.services.api_tokens import ApiTokenService
from imageapp.services.usecases import tokens as actions

router = APIRouter(prefix=urls.NOJS_TOKENS)
# The new token's value, kept in the (signed, HttpOnly) session only until the very next
# page shows it; it is never stored anywhere else.
NEW_TOKEN_KEY = "new_api_token"  # noqa: S105 (a session key, not a secret)


@router.get("")
def token_list(request: Request, engine: EngineDep, user: UserDep) -> Response:
    values, errors = pop_form_state(request)
    new_token = request.session.pop(NEW_TOKEN_KEY, None)
    response = render(
        request,
        "tokens.html",
        tokens=ApiTokenService(engine).tokens_of(user_id=user.id),
        new_token=new_token,
        values=values,
        errors=errors,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("")
async def create_token(request: Request, engine: EngineDep, user: UserDep) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.create_token(ApiTokenService(engine), user_id=user.id, raw_fields=form)
    )
    if isinstance(outcome, actions.TokenRefused):
        keep_form_state(request, actions.token_values(form), outcome.errors)
        flash(request, outcome.message, "error")
        return redirect(f"{urls.NOJS_TOKENS}#new-token")
    request.session[NEW_TOKEN_KEY] = outcome.token.value
    flash(request, outcome.message, "success")
    return redirect(urls.NOJS_TOKENS)


@router.post("/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: PathId, engine: EngineDep, user: UserDep
) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    outcome = await run_in_threadpool(
        lambda: actions.revoke_token(ApiTokenService(engine), user_id=user.id, raw_id=token_id)
    )
    flash(
        request,
        outcome.message,
        "success" if isinstance(outcome, actions.TokenRevoked) else "error",
    )
    return redirect(urls.NOJS_TOKENS)
