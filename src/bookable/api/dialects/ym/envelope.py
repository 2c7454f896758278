"""ServiceStack's ResponseStatus: how every YM failure is told, in the caller's format.

ErrorCode follows ServiceStack's conventions (exception type names for bad input, HttpStatusCode
names for HttpErrors); ResponseStatus.Meta["Code"] carries the engine's stable code so clients can
tell one Conflict from another. StackTrace is never sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.ym.binding import INT32_MAX, INT32_MIN, BindingError, FieldError
from bookable.api.dialects.ym.formats import Format, lenient_format, respond
from bookable.api.errors import Failure

RESPONSE_DTO = "RegistrationSessionResponse"
REQUEST_DTO = "RegistrationSessionRequest"
ROUTE_PATH = re.compile(r"^/Ams/(?P<ClientID>[^/]+)/Event/(?P<EventID>[^/]+)/EventRegistrationSessions(\.[^/]*)?$")

CONFLICT = "Conflict"
ERROR_CODES = {
    "invalid_parameter": "ArgumentException",
    "too_many_places": "ArgumentException",
    "malformed_body": "SerializationException",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "not_allowed": "Forbidden",
    "not_found": "NotFound",
    "method_not_allowed": "MethodNotAllowed",
    "not_acceptable": "NotAcceptable",
    "full": CONFLICT,
    "already_booked": CONFLICT,
    "already_waitlisted": CONFLICT,
    "waiting_list_closed": CONFLICT,
    "outside_booking_window": CONFLICT,
    "cancellation_too_late": CONFLICT,
    "slot_cancelled": CONFLICT,
    "offering_disabled": CONFLICT,
    "has_active_bookings": CONFLICT,
    "invalid_state": CONFLICT,
    "booking_limit_reached": CONFLICT,
    "idempotency_in_progress": "IdempotencyInProgress",
    "idempotency_mismatch": "UnprocessableEntity",
    "payload_too_large": "RequestEntityTooLarge",
    "unsupported_media_type": "UnsupportedMediaType",
    "too_many_attempts": "TooManyRequests",
    "internal_error": "InternalServerError",
}
ENGINE_FIELDS = {
    "offering_id": "EventID",
    "slot_id": "SessionIds",
    "booking_id": "SessionIds",
    "places": "SessionIds",
    "person_id": "RegistrationID",
    "registration_id": "RegistrationID",
}


@dataclass(frozen=True)
class YmFailure:
    status: int
    error_code: str
    message: str
    engine_code: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def status_for(code: str) -> int | None:
    """Engine codes whose YM status differs from the shared default (none so far)."""
    return None


def from_failure(failure: Failure, sessions_named_as: str = "SessionIds") -> YmFailure:
    error_code = ERROR_CODES.get(failure.code) or _status_name(failure.status)
    errors = []
    if failure.field:
        name = ENGINE_FIELDS.get(failure.field, failure.field)
        name = sessions_named_as if name == "SessionIds" else name
        errors.append(FieldError(name, failure.message, error_code))
    return YmFailure(failure.status, error_code, failure.message, failure.code, errors, dict(failure.headers or {}))


def from_binding(error: BindingError) -> YmFailure:
    first = error.errors[0]
    message = f"Unable to bind to request '{REQUEST_DTO}': {first.message}"
    return YmFailure(400, first.code, message, "invalid_parameter", list(error.errors))


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")
    except ValueError:
        return "Error"


def response_status(failure: YmFailure) -> dict[str, Any]:
    return {
        "ErrorCode": failure.error_code,
        "Message": failure.message,
        "Errors": [{"ErrorCode": e.code, "FieldName": e.field, "Message": e.message} for e in failure.errors],
        "Meta": {"Code": failure.engine_code},
    }


def route_echo(request: Request | None) -> dict[str, Any] | None:
    """ClientID and EventID as the URL gave them, when the failure is on the YM route."""
    match = ROUTE_PATH.match(request.url.path) if request is not None else None
    if match is None:
        return None
    return {name: _int32_or_none(value) for name, value in match.groupdict().items()}


def _int32_or_none(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if INT32_MIN <= value <= INT32_MAX else None


def error_response(fmt: Format, failure: YmFailure, echo: dict[str, Any] | None) -> Response:
    if echo is None:
        response = respond(fmt, "ErrorResponse", {"ResponseStatus": response_status(failure)}, failure.status)
    else:
        response = respond(fmt, RESPONSE_DTO, {**echo, "ResponseStatus": response_status(failure)}, failure.status)
    for name, value in failure.headers.items():
        response.headers[name] = value
    return response


def render(request: Request | None, failure: Failure) -> Response:
    """The renderer registered for /Ams/: any failure there, in the caller's format."""
    return error_response(lenient_format(request), from_failure(failure), route_echo(request))
