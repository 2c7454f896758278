"""How each API renders a failure. Dialects register a renderer for the paths they own.

The engine raises DomainError (a stable code, no status); the API layer adds ApiError for
failures of its own (authentication, malformed bodies, size limits). Every renderer turns
(status, code, message, field) into a response in its caller's dialect: never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError

DEFAULT_STATUS = {
    "invalid_parameter": 400,
    "malformed_body": 400,
    "unauthorized": 401,
    "not_allowed": 403,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "full": 409,
    "already_booked": 409,
    "already_waitlisted": 409,
    "waiting_list_closed": 409,
    "outside_booking_window": 409,
    "cancellation_too_late": 409,
    "slot_cancelled": 409,
    "offering_disabled": 409,
    "has_active_bookings": 409,
    "invalid_state": 409,
    "too_many_places": 400,
    "booking_limit_reached": 409,
    "idempotency_in_progress": 409,
    "idempotency_mismatch": 422,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "too_many_attempts": 429,
    "internal_error": 500,
    "unavailable": 503,
}


class ApiError(Exception):
    """A failure found by the HTTP layer itself, with an explicit status."""

    def __init__(
        self, status: int, code: str, message: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


@dataclass(frozen=True)
class Failure:
    status: int
    code: str
    message: str
    field: str | None = None
    headers: dict[str, str] | None = None


def failure_of(error: Exception, status_for: Callable[[str], int | None] = lambda code: None) -> Failure:
    if isinstance(error, ApiError):
        return Failure(error.status, error.code, error.message, error.field, error.headers)
    if isinstance(error, DomainError):
        status = status_for(error.code) or DEFAULT_STATUS.get(error.code, 400)
        return Failure(status, error.code, error.message, error.field)
    return Failure(500, "internal_error", "Something went wrong on our side; nothing was changed.")


Renderer = Callable[[Request | None, Failure], Response]


@dataclass(frozen=True)
class Dialect:
    name: str
    pattern: re.Pattern[str]
    render: Renderer
    status_for: Callable[[str], int | None] = lambda code: None


_dialects: list[Dialect] = []


def register(dialect: Dialect) -> None:
    if all(existing.name != dialect.name for existing in _dialects):
        _dialects.append(dialect)


def dialect_for(path: str) -> Dialect | None:
    for dialect in _dialects:
        if dialect.pattern.match(path):
            return dialect
    return None


def render(path: str, error: Exception, request: Request | None = None) -> Response:
    from bookable.api.problem import render_problem

    dialect = dialect_for(path)
    failure = failure_of(error, dialect.status_for if dialect else lambda code: None)
    response = (dialect.render if dialect else render_problem)(request, failure)
    for name, value in (failure.headers or {}).items():
        response.headers[name] = value
    return response
