"""Activity bookings of the logged-in member: book, list, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import Caller, credential_of, integration, member
from bookable.api.dialects.brp.params import Param, RawParams, a_date, an_id, one_of, raw_params, read
from bookable.api.dialects.brp.render import Items, format_of
from bookable.api.dialects.brp.routing import (
    NEXT_FROMDATE,
    date_range,
    day_starts,
    endpoint,
    respond,
    span,
    whole_days,
)
from bookable.api.execution import run_checks, run_write
from bookable.domain.errors import NotFound
from bookable.services import bookings as booking_service
from bookable.services.actor import Actor
from bookable.services.bookings import BookingOutcome, WaitlistPolicy
from bookable.storage.queries import brp as reads

TYPES = ("ordinary", "waitinglist")
SPEC_EXAMPLE_TYPES = {"groupactivity": "ordinary"}
"""The spec's own example of GET bookings filters by `type=groupactivity`: group-activity bookings."""
STATUSES = {"ordinary": ("confirmed", "reserved"), "waitinglist": ("waitlisted",)}


def a_listed_type(text: str, name: str) -> str:
    return str(one_of(*TYPES)(SPEC_EXAMPLE_TYPES.get(text, text), name))


BOOK_PARAMS = {"type": Param(one_of(*TYPES), required=True), "activityid": Param(an_id, required=True)}
LIST_PARAMS = {"type": Param(a_listed_type), "fromdate": Param(a_date), "todate": Param(a_date)}
CANCEL_PARAMS = {"type": Param(one_of(*TYPES), required=True)}


@endpoint("POST", "bookings")
async def book_activity(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    """type=waitinglist books an ordinary place when one is free (the response says which)."""
    caller, params, actor = await run_checks(credential_of(request, raw), _checked, request, raw)
    outcome, activity = await run_write(caller.database, _book_activity, caller, actor, params)
    booking, header = outcome.booking, blocks.activity_header_rendered(activity, format_of(request.scope["path"]))
    return respond(request, "booking", blocks.booking_of(booking.id, booking.status, outcome.span, header, caller.zone))


def _checked(request: Request, raw: RawParams) -> tuple[Caller, dict[str, Any], Actor]:
    """The integration, the parameters and the member, checked in that order."""
    caller = integration(request, raw)
    params = read(raw, BOOK_PARAMS)
    return caller, params, member(request, caller)


def _book_activity(caller: Caller, actor: Actor, params: dict[str, Any]) -> tuple[BookingOutcome, tuple[Any, ...]]:
    """The activity is read in the booking's own transaction: a unit of work of its own before the
    write batch cost more (its BEGIN and COMMIT) than the one statement it adds under the lock."""
    policy = WaitlistPolicy.IF_FULL if params["type"] == "waitinglist" else WaitlistPolicy.NEVER
    with caller.uow(write=True) as uow:
        activity = reads.activity_header_row(uow.connection(), caller.tenant_id, params["activityid"])
        if activity is None:
            raise NotFound(f"Activity {params['activityid']} not found.", field="activityid")
        outcome = booking_service.book(uow, actor, person_id=actor.person_id, slot_id=params["activityid"],
                                       waitlist=policy)
        uow.commit()
    return outcome, activity


@endpoint("GET", "bookings")
def list_bookings(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, LIST_PARAMS)
    first, last = date_range(params, caller.zone)
    actor = member(request, caller)
    starts_from, starts_before = day_starts(first, last, caller.zone, params)
    assert actor.person_id is not None
    with caller.uow() as uow:
        rows = reads.member_bookings(uow.session, caller.tenant_id, actor.person_id,
                                     statuses=STATUSES[params.get("type", "ordinary")],
                                     starts_from=starts_from, starts_before=starts_before)
    items, next_day = whole_days([blocks.booking(row, caller.zone) for row in rows], lambda item: item["start"][:10])
    content = {**span([item["start"] for item in items], first, last), "booking": Items("booking", items, inline=True)}
    response = respond(request, "bookings", content)
    if next_day is not None:
        response.headers[NEXT_FROMDATE] = next_day
    return response


@endpoint("DELETE", "bookings/{booking_id}")
def cancel_booking(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, CANCEL_PARAMS)
    booking_id = an_id(request.path_params["booking_id"], "id")
    actor = member(request, caller)
    with caller.uow(write=True) as uow:
        booking = booking_service.get_booking(uow, actor, booking_id)
        if booking.status != "cancelled" and booking.status not in STATUSES[params["type"]]:
            raise NotFound(f"Booking {booking_id} is not of type {params['type']}.", field="type")
        booking_service.cancel(uow, actor, booking_id)
        uow.commit()
    return Response(status_code=204)
