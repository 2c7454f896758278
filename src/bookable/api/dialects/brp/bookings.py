"""Activity bookings of the logged-in member: book, list, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext
from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import credential_of, integration, member
from bookable.api.dialects.brp.params import Param, RawParams, a_date, an_id, one_of, raw_params, read
from bookable.api.dialects.brp.render import Items, document_response, format_of
from bookable.api.dialects.brp.routing import (
    NEXT_FROMDATE,
    date_range,
    day_starts,
    endpoint,
    respond,
    span,
    whole_days,
)
from bookable.api.execution import run_checks
from bookable.domain.actors import Actor
from bookable.domain.booking import HOLDING, BookingStatus, Waitlist
from bookable.domain.errors import NotFound
from bookable.services import bookings as booking_service
from bookable.services.bookings import BookingOutcome
from bookable.storage.queries import brp as reads
from bookable.storage.unit_of_work import UnitOfWork

TYPES = ("ordinary", "waitinglist")
SPEC_EXAMPLE_TYPES = {"groupactivity": "ordinary"}
"""The spec's own example of GET bookings filters by `type=groupactivity`: group-activity bookings."""
STATUSES = {"ordinary": HOLDING, "waitinglist": (BookingStatus.WAITLISTED,)}


def a_listed_type(text: str, name: str) -> str:
    return str(one_of(*TYPES)(SPEC_EXAMPLE_TYPES.get(text, text), name))


BOOK_PARAMS = {"type": Param(one_of(*TYPES), required=True), "activityid": Param(an_id, required=True)}
LIST_PARAMS = {"type": Param(a_listed_type), "fromdate": Param(a_date), "todate": Param(a_date)}
CANCEL_PARAMS = {"type": Param(one_of(*TYPES), required=True)}


@endpoint("POST", "bookings")
async def book_activity(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    """type=waitinglist books an ordinary place when one is free (the response says which)."""
    context, params = await run_checks(credential_of(request, raw), _checked, request, raw)
    policy = Waitlist.IF_FULL if params["type"] == "waitinglist" else Waitlist.NEVER
    return await context.write(_book, _booked, context.actor, params["activityid"], policy,
                               format_of(request.scope["path"]), context.zone())


Booked = tuple[BookingOutcome, Any, str, str]


def _book(uow: UnitOfWork, actor: Actor, activity_id: int, policy: Waitlist, fmt: str, zone: str) -> Booked:
    """The booking reads its slot as BRP sees it (reads.BOOKED_ACTIVITY): a non-activity is a 404
    before any booking rule is asked, and the activity's header comes with the slot."""
    try:
        outcome = booking_service.book(uow, actor, person_id=actor.person_id, slot_id=activity_id, waitlist=policy,
                                       view=reads.BOOKED_ACTIVITY)
    except NotFound as missing:
        if missing.field != "slot_id":
            raise
        raise NotFound(f"Activity {activity_id} not found.", field="activityid") from None
    return outcome, reads.activity_header_row(outcome.shown), fmt, zone


def _booked(booked: Booked) -> Response:
    """Rendered after the write batch, outside the write lock."""
    outcome, activity, fmt, zone = booked
    header = blocks.activity_header_rendered(activity, fmt)
    content = blocks.booking_of(outcome.booking.id, outcome.booking.status, outcome.span, header, zone)
    return document_response(fmt, "booking", content)


def _checked(request: Request, raw: RawParams) -> tuple[RequestContext, dict[str, Any]]:
    """The integration, the parameters and the member, checked in that order."""
    integration_context = integration(request, raw)
    params = read(raw, BOOK_PARAMS)
    return member(request, integration_context), params


@endpoint("GET", "bookings")
async def list_bookings(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    def check() -> tuple[RequestContext, dict[str, Any]]:
        integration_context = integration(request, raw)
        params = read(raw, LIST_PARAMS)
        date_range(params, integration_context.zone())
        return member(request, integration_context), params

    context, params = await run_checks(credential_of(request, raw), check)
    zone = context.zone()
    first, last = date_range(params, zone)
    starts_from, starts_before = day_starts(first, last, zone, params)
    person_id = context.person_id
    assert person_id is not None
    rows = await context.read(lambda uow: reads.member_bookings(
        uow.session, context.tenant_id, person_id, statuses=STATUSES[params.get("type", "ordinary")],
        starts_from=starts_from, starts_before=starts_before))
    items, next_day = whole_days([blocks.booking(row, zone) for row in rows], lambda item: item["start"][:10])
    content = {**span([item["start"] for item in items], first, last), "booking": Items("booking", items, inline=True)}
    response = respond(request, "bookings", content)
    if next_day is not None:
        response.headers[NEXT_FROMDATE] = next_day
    return response


@endpoint("DELETE", "bookings/{booking_id}")
async def cancel_booking(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    def check() -> tuple[RequestContext, dict[str, Any], int]:
        integration_context = integration(request, raw)
        params = read(raw, CANCEL_PARAMS)
        booking_id = an_id(request.path_params["booking_id"], "id")
        return member(request, integration_context), params, booking_id

    context, params, booking_id = await run_checks(credential_of(request, raw), check)

    def cancel(uow: UnitOfWork) -> None:
        booking = booking_service.get_booking(uow, context.actor, booking_id)
        if booking.status != BookingStatus.CANCELLED and booking.status not in STATUSES[params["type"]]:
            raise NotFound(f"Booking {booking_id} is not of type {params['type']}.", field="type")
        booking_service.cancel(uow, context.actor, booking_id)

    return await context.write(cancel, lambda _: Response(status_code=204))
