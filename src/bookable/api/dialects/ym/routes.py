"""POST / DELETE /Ams/{ClientID}/Event/{EventID}/EventRegistrationSessions[.json|.xml|.jsv]."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext, staff_context
from bookable.api.dialects.ym.binding import BindingError, RegistrationSessionRequest, bind, body_fields, query_fields
from bookable.api.dialects.ym.envelope import (
    RESPONSE_DTO,
    error_response,
    from_binding,
    from_failure,
    route_echo,
)
from bookable.api.dialects.ym.formats import Format, lenient_format, respond, response_format
from bookable.api.errors import ApiError, failure_of
from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.errors import DomainError, NotFound, ValidationError
from bookable.services import registrations
from bookable.services.registrations import RegistrationSessions
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

ROUTE = "/Ams/{ClientID}/Event/{EventID}/EventRegistrationSessions"
SUFFIXES = ("", ".json", ".xml", ".jsv")
REQUIRED_ROLES = "admin, oauthadmin"

Change = Callable[[UnitOfWork, Actor, m.Registration, list[int]], RegistrationSessions]

router = APIRouter(include_in_schema=False)


async def raw_body(request: Request) -> bytes:
    return await request.body()


async def assign_sessions(request: Request, body: bytes = Depends(raw_body)) -> Response:
    """Assign sessions to an event registration (a full session waitlists, if the event has a list)."""
    return await _handle(request, body, registrations.assign_sessions)


async def remove_sessions(request: Request, body: bytes = Depends(raw_body)) -> Response:
    """Delete sessions from an event registration (body and/or query string)."""
    return await _handle(request, body, registrations.remove_sessions)


for _suffix in SUFFIXES:
    router.add_api_route(ROUTE + _suffix, assign_sessions, methods=["POST"])
    router.add_api_route(ROUTE + _suffix, remove_sessions, methods=["DELETE"])


async def _handle(request: Request, body: bytes, change: Change) -> Response:
    fmt = lenient_format(request)
    call: RegistrationSessionRequest | None = None
    try:
        fmt = response_format(request)
        context = _admin(await staff_context(request, Channel.YM))
        call = _bind(request, body, fmt)
        return await context.write(partial(_apply, context, call, change), partial(respond, fmt, RESPONSE_DTO))
    except BindingError as error:
        return error_response(fmt, from_binding(error), route_echo(request))
    except (ApiError, DomainError) as error:
        named_as = call.sessions_named_as if call else "SessionIds"
        return error_response(fmt, from_failure(failure_of(error), named_as), route_echo(request))


def _admin(context: RequestContext) -> RequestContext:
    if context.actor.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", f"Invalid Role: this service requires any of the roles {REQUIRED_ROLES}.")
    return context


def _bind(request: Request, body: bytes, fmt: Format) -> RegistrationSessionRequest:
    fields = body_fields(body, request.headers.get("content-type"), fmt)
    query = query_fields(list(request.query_params.multi_items()))
    return bind(request.path_params, fields, query)


def _apply(context: RequestContext, call: RegistrationSessionRequest, change: Change,
           uow: UnitOfWork) -> dict[str, Any]:
    assert call.client_id is not None and call.event_id is not None  # route values are always bound
    _own_client(uow, context.tenant_id, call.client_id)
    offering = _event(uow, call.event_id)
    registration = _registration(uow, call)
    result = change(uow, context.actor, registration, call.session_ids)
    return _response_payload(uow, call, offering, result)


def _own_client(uow: UnitOfWork, tenant_id: int, client_id: int) -> None:
    """Another tenant's ClientID is answered exactly like one that does not exist."""
    tenant = uow.tenants.by_client_id(client_id)
    if tenant is None or tenant.id != tenant_id:
        raise NotFound(f"Client {client_id} not found.", field="ClientID")


def _event(uow: UnitOfWork, event_id: int) -> m.Offering:
    offering = uow.offerings.offering(event_id)
    if offering is None:
        raise NotFound(f"Event {event_id} not found.", field="EventID")
    return offering


def _registration(uow: UnitOfWork, call: RegistrationSessionRequest) -> m.Registration:
    assert call.event_id is not None
    if call.registration_id is None and call.badge_number is None:
        raise ValidationError("RegistrationID (or BadgeNumber) is required.", field="RegistrationID")
    badge_lookup = call.badge_number if call.registration_id is None else None
    registration = registrations.find_registration(uow, call.event_id, call.registration_id, badge_lookup)
    if call.badge_number is not None and registration.badge_number != call.badge_number:
        raise ValidationError(f"BadgeNumber {call.badge_number} does not belong to registration {registration.code}.",
                              field="BadgeNumber")
    return registration


def _response_payload(
    uow: UnitOfWork, call: RegistrationSessionRequest, offering: m.Offering, result: RegistrationSessions
) -> dict[str, Any]:
    return {
        "ClientID": call.client_id,
        "EventID": offering.id,
        "RegistrationID": result.registration.code,
        "BadgeNumber": result.registration.badge_number,
        "Sessions": _session_entries(uow, offering, result.bookings),
        "ResponseStatus": {},
    }


def _session_entries(uow: UnitOfWork, offering: m.Offering, bookings: list[m.Booking]) -> list[dict[str, str]]:
    """One Dictionary<string,string> per session held; a whole-course booking holds every session."""
    entries = []
    for booking in bookings:
        position = uow.bookings.waiting_position(booking)
        for slot in _slots_held(uow, offering, booking):
            entries.append((slot.starts_at, slot.id, _session_entry(offering, slot, booking, position)))
    return [entry for _, _, entry in sorted(entries, key=lambda item: (item[0], item[1]))]


def _slots_held(uow: UnitOfWork, offering: m.Offering, booking: m.Booking) -> list[m.Slot]:
    if booking.slot_id is None:
        return uow.offerings.slots_of(offering.id)
    slot = uow.offerings.slot(booking.slot_id)
    return [slot] if slot is not None else []


def _session_entry(offering: m.Offering, slot: m.Slot, booking: m.Booking, position: int | None) -> dict[str, str]:
    entry = {
        "SessionId": str(slot.id),
        "Name": offering.name,
        "Date": slot.local_date.isoformat(),
        "Time": slot.local_time.strftime("%H:%M"),
        "Status": booking.status,
    }
    if position is not None:
        entry["WaitlistPosition"] = str(position)
    return entry
