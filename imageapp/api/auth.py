"""Who an API request speaks for: a bearer token, never a cookie (so the API needs no CSRF
token). Each request of a token also counts against its rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from imageapp.api.errors import BEARER_CHALLENGE, ApiError
from imageapp.fallback.deps import EngineDep, SettingsDep
from imageapp.services.api_tokens import ApiTokenService, TokenUser
from imageapp.services.rate_limits import RateLimiter

bearer = HTTPBearer(auto_error=False, description="A personal API token (see /nojs/tokens).")


def token_user(
    engine: EngineDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenUser:
    """The token's user; 401 without a (valid, unrevoked) token, 429 past the rate limit."""
    if credentials is None:
        raise ApiError(
            401,
            "unauthorized",
            "Send an API token: Authorization: Bearer <token>.",
            headers=BEARER_CHALLENGE,
        )
    found = ApiTokenService(engine).user_for_token(credentials.credentials)
    if found is None:
        raise ApiError(
            401,
            "invalid_token",
            "This API token is unknown or was revoked.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    limiter = RateLimiter(
        engine=engine, redis_url=settings.redis_url, limit=settings.api_rate_limit_per_minute
    )
    decision = limiter.hit(found.rate_key)
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: at most {settings.api_rate_limit_per_minute} a minute. "
            f"Try again in {decision.retry_after} seconds.",
            headers={"Retry-After": str(decision.retry_after)},
        )
    return found


def write_token_user(user: Annotated[TokenUser, Depends(token_user)]) -> TokenUser:
    """A token that may change things; a read token gets 403."""
    if user.scope != "write":
        raise ApiError(403, "read_only_token", "This token may only read; use a write token.")
    return user


ReaderDep = Annotated[TokenUser, Depends(token_user)]
WriterDep = Annotated[TokenUser, Depends(write_token_user)]
