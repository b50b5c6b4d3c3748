"""Every 4xx of the API has one shape: ``{"errors": [{"field", "code", "message"}]}``.

The handlers are the API app's own, so the no-JS pages keep theirs; FastAPI's validation
errors, unknown routes and wrong methods come out in the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

log = logging.getLogger(__name__)

BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class ErrorItem(BaseModel):
    field: str | None
    code: str
    message: str


class ErrorBody(BaseModel):
    errors: list[ErrorItem]


class ApiError(Exception):
    """A refusal: status code and one or more errors (field may be None)."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.items = [ErrorItem(field=field, code=code, message=message)]
        self.headers = dict(headers or {})

    @classmethod
    def of_fields(cls, status_code: int, code: str, errors: Mapping[str, str]) -> ApiError:
        """One error per field, as a refused form has them."""
        refusal = cls(status_code, code, "")
        refusal.items = [
            ErrorItem(field=name, code=code, message=message) for name, message in errors.items()
        ]
        return refusal


def not_found(
    message: str = "There is nothing at this address.", field: str | None = None
) -> ApiError:
    return ApiError(404, "not_found", message, field=field)


def error_response(
    status_code: int, items: Sequence[ErrorItem], headers: Mapping[str, str] | None = None
) -> Response:
    body = ErrorBody(errors=list(items)).model_dump()
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def _field(location: Sequence[Any]) -> str | None:
    """``("body", "tags", 2)`` -> ``"tags.2"``; the part FastAPI prefixes is dropped."""
    rest = [str(part) for part in location[1:]]
    return ".".join(rest) or (str(location[0]) if location else None)


def _allowed_methods(app: FastAPI, request: Request) -> set[str]:
    """Every method some route of the API answers at this path (Starlette's 405 names only
    the first route's, and each method is a route of its own here)."""
    allowed: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**request.scope, "method": "GET"} | {"type": "http"})
            if match is not Match.NONE:
                allowed |= route.methods
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status_code, exc.items, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(error.get("loc", ("",))[0] == "path" for error in errors):
            # /images/abc or an id no row can have: like any unknown id.
            return error_response(404, not_found().items)
        items = [
            ErrorItem(
                field=_field(error.get("loc", ())),
                code=str(error.get("type", "invalid")),
                message=str(error.get("msg", "Invalid value.")),
            )
            for error in errors
        ]
        return error_response(422, items)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "refused"
        )
        message = str(exc.detail) if exc.status_code != 404 else "There is nothing at this address."
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(sorted(_allowed_methods(app, request)))
        if exc.status_code == 400:
            message = "The request body could not be read."
        item = ErrorItem(field=None, code=code, message=message)
        return error_response(exc.status_code, [item], headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover
        log.exception("API request %s %s failed", request.method, request.url.path)
        item = ErrorItem(field=None, code="server_error", message="Something went wrong.")
        return error_response(500, [item])
