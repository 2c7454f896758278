"""Events (arrangemang): offerings booked whole. Filters of both spec 002 and spec 003."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import Caller, integration, member
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
from bookable.domain.errors import NotFound
from bookable.services import bookings as booking_service
from bookable.services.bookings import WaitlistPolicy
from bookable.storage.queries import brp as reads

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


def event_filter(params: dict[str, Any], caller: Caller, person_id: int | None) -> reads.EventFilter:
    no_dates = not any(name in params for name in DATE_FILTERS)
    return reads.EventFilter(
        business_units=_as_tuple(_one_of_aliases(params, BUSINESS_UNIT_NAMES)),
        label=_one_of_aliases(params, LABEL_NAMES),
        internet_only=params.get("bookablefrominternet", True),
        resource=params.get("resourceid"),
        ongoing_on=params.get("ongoingdate"),
        starts_on_or_after=params.get("startdate"),
        ends_on_or_before=params.get("enddate"),
        publish_starts_from=_day_start(params, "publishstartdate", caller.zone),
        publish_ends_before=_day_start(params, "publishenddate", caller.zone, after=True),
        not_ended_on=today_in(caller.zone) if no_dates else None,
        person_id=person_id,
    )


@endpoint("GET", "events")
def list_events(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, EVENT_PARAMS)
    with_booking = params.get("includebooking", False)
    person_id = member(request, caller).person_id if with_booking else None
    wanted = event_filter(params, caller, person_id)
    with caller.uow() as uow:
        rows = reads.events(uow.session, caller.tenant_id, wanted)
        people = None
        if params.get("includeparticipants"):
            people = defaultdict(list)
            for participant in reads.participants(uow.session, caller.tenant_id, [row.id for row in rows]):
                people[participant.offering_id].append(participant)
    items = [blocks.event(row, caller.zone, with_booking=with_booking,
                          people=None if people is None else people.get(row.id, [])) for row in rows]
    return respond(request, "events", Items("event", items))


@endpoint("POST", "eventbookings")
def book_event(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, EVENT_BOOK_PARAMS)
    actor = member(request, caller)
    event_id = params["eventid"]
    with caller.uow(write=True) as uow:
        uow.defer_write_lock()  # the checks below read without holding SQLite's write lock
        if not reads.is_event(uow.session, caller.tenant_id, event_id):
            raise NotFound(f"Event {event_id} not found.", field="eventid")
        outcome = booking_service.book(uow, actor, person_id=actor.person_id, offering_id=event_id,
                                       waitlist=WaitlistPolicy.NEVER)
        [event] = reads.events(uow.session, caller.tenant_id, reads.EventFilter(ids=(event_id,), internet_only=False))
        product = reads.event_product(uow.session, caller.tenant_id, event_id)
        person = uow.people.person(outcome.booking.person_id)
        assert person is not None
        uow.commit()
    content = {
        "id": outcome.booking.id,
        "participant": {"id": person.id, "firstname": person.first_name, "lastname": person.last_name},
        "businessunit": named(event.business_unit),
        "start": timepoint(event.first_start, caller.zone),
        "end": timepoint(event.last_end, caller.zone),
        "eventmessage": event.event_message,
        "product": blocks.product(product),
    }
    return respond(request, "eventbooking", content)
