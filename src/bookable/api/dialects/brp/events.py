"""Events (arrangemang): offerings booked whole. Filters of both spec 002 and spec 003."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext
from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import credential_of, integration, member
from bookable.api.dialects.brp.errors import invalid
from bookable.api.dialects.brp.params import (
    Param,
    RawParams,
    a_boolean,
    a_date,
    an_id,
    id_list,
    one_of,
    raw_params,
    read,
)
from bookable.api.dialects.brp.render import Items, named, timepoint
from bookable.api.dialects.brp.routing import day_start, endpoint, respond, today_in
from bookable.api.execution import run_checks
from bookable.domain.booking import Waitlist
from bookable.domain.errors import NotFound
from bookable.services import bookings as booking_service
from bookable.storage.queries import brp as reads
from bookable.storage.unit_of_work import UnitOfWork

DATE_FILTERS = ("ongoingdate", "startdate", "enddate", "publishstartdate", "publishenddate")
BUSINESS_UNIT_NAMES = ("businessunitids", "businessunitid", "businessunit")
LABEL_NAMES = ("productlabelid", "productlabel")
EVENT_PARAMS = {
    "includebooking": Param(a_boolean),
    "includeparticipants": Param(a_boolean),
    "businessunitids": Param(id_list),
    "businessunitid": Param(id_list),
    "businessunit": Param(an_id),
    "productlabelid": Param(an_id),
    "productlabel": Param(an_id),
    "bookablefrominternet": Param(a_boolean),
    "resourceid": Param(an_id),
    **{name: Param(a_date) for name in DATE_FILTERS},
}
EVENT_BOOK_PARAMS = {"eventid": Param(an_id, required=True), "type": Param(one_of("ordinary"), required=True)}


def _one_of_aliases(params: dict[str, Any], names: tuple[str, ...]) -> Any:
    given = [name for name in names if name in params]
    if len(given) > 1:
        raise invalid(given[1], f"Give only one of {', '.join(names)}.")
    return params[given[0]] if given else None


def _as_tuple(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    return value if isinstance(value, tuple) else (value,)


def _day_start(params: dict[str, Any], name: str, zone: str, *, after: bool = False) -> datetime | None:
    """Local midnight at the start of the day `name` gives (or of the day after it), as a UTC instant."""
    day = params.get(name)
    return None if day is None else day_start(day, zone, name, after=after)


def event_filter(params: dict[str, Any], zone: str, person_id: int | None) -> reads.EventFilter:
    no_dates = not any(name in params for name in DATE_FILTERS)
    return reads.EventFilter(
        business_units=_as_tuple(_one_of_aliases(params, BUSINESS_UNIT_NAMES)),
        label=_one_of_aliases(params, LABEL_NAMES),
        internet_only=params.get("bookablefrominternet", True),
        resource=params.get("resourceid"),
        ongoing_on=params.get("ongoingdate"),
        starts_on_or_after=params.get("startdate"),
        ends_on_or_before=params.get("enddate"),
        publish_starts_from=_day_start(params, "publishstartdate", zone),
        publish_ends_before=_day_start(params, "publishenddate", zone, after=True),
        not_ended_on=today_in(zone) if no_dates else None,
        person_id=person_id,
    )


@endpoint("GET", "events")
async def list_events(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    def check() -> tuple[RequestContext, dict[str, Any], reads.EventFilter]:
        context = integration(request, raw)
        params = read(raw, EVENT_PARAMS)
        person_id = member(request, context).person_id if params.get("includebooking", False) else None
        return context, params, event_filter(params, context.zone(), person_id)

    context, params, wanted = await run_checks(credential_of(request, raw), check)

    def page(uow: UnitOfWork) -> tuple[list[Any], dict[int, list[Any]] | None]:
        rows = reads.events(uow.session, context.tenant_id, wanted)
        if not params.get("includeparticipants"):
            return rows, None
        people: dict[int, list[Any]] = defaultdict(list)
        for participant in reads.participants(uow.session, context.tenant_id, [row.id for row in rows]):
            people[participant.offering_id].append(participant)
        return rows, people

    rows, people = await context.read(page)
    zone, with_booking = context.zone(), wanted.person_id is not None
    items = [blocks.event(row, zone, with_booking=with_booking,
                          people=None if people is None else people.get(row.id, [])) for row in rows]
    return respond(request, "events", Items("event", items))


@endpoint("POST", "eventbookings")
async def book_event(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    def check() -> tuple[RequestContext, int]:
        integration_context = integration(request, raw)
        params = read(raw, EVENT_BOOK_PARAMS)
        return member(request, integration_context), params["eventid"]

    context, event_id = await run_checks(credential_of(request, raw), check)

    def book(uow: UnitOfWork) -> dict[str, Any]:
        if not reads.is_event(uow.session, context.tenant_id, event_id):
            raise NotFound(f"Event {event_id} not found.", field="eventid")
        outcome = booking_service.book(uow, context.actor, person_id=context.person_id, offering_id=event_id,
                                       waitlist=Waitlist.NEVER)
        [event] = reads.events(uow.session, context.tenant_id, reads.EventFilter(ids=(event_id,), internet_only=False))
        product = reads.event_product(uow.session, context.tenant_id, event_id)
        person = uow.people.person(outcome.booking.person_id)
        assert person is not None
        zone = context.zone()
        return {
            "id": outcome.booking.id,
            "participant": {"id": person.id, "firstname": person.first_name, "lastname": person.last_name},
            "businessunit": named(event.business_unit),
            "start": timepoint(event.first_start, zone),
            "end": timepoint(event.last_end, zone),
            "eventmessage": event.event_message,
            "product": blocks.product(product),
        }

    return await context.write(book, lambda content: respond(request, "eventbooking", content))
