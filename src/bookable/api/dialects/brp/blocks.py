"""The recurring BRP objects: product, booking, activity, event, person."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from bookable.api.dialects.brp.render import (
    Items,
    local_date,
    local_time,
    named,
    named_items,
    rendered,
    timepoint,
    timepoint_block,
)
from bookable.domain import windows
from bookable.domain.capacity import SlotLoad
from bookable.storage import models as m
from bookable.storage.queries.brp import ActivityRow, BookingRow, EventRow, Participant, ProductRow, header_of

BOOKING_TYPES = {"confirmed": "ordinary", "reserved": "ordinary", "waitlisted": "waitinglist"}


def product(row: ProductRow | None) -> dict[str, Any] | None:
    return None if row is None else product_of(row)


def product_of(row: ProductRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "description": row.description,
        "name": row.name,
        "bookablefrominternet": row.bookable_from_internet,
        "productlabels": named_items("productlabel", row.labels),
        "cssclass": row.css_class,
        "group": named((row.group_id, row.group_name or "")) if row.group_id is not None else None,
    }


def booking(row: BookingRow, zone: str) -> dict[str, Any]:
    header = (named(row.business_unit), product(row.product))
    return booking_of(row.id, row.status, (row.starts_at, row.ends_at), header, zone)


def booking_of(booking_id: int, status: str, span: tuple[datetime, datetime], header: tuple[Any, Any],
               zone: str) -> dict[str, Any]:
    """A booking's block; `header` is its activity's business unit and product blocks, or their
    renderings (activity_header_rendered)."""
    business_unit, product_block = header
    return {
        "id": booking_id,
        "type": BOOKING_TYPES.get(status, status),
        "businessunit": business_unit,
        "start": timepoint(span[0], zone),
        "end": timepoint(span[1], zone),
        "product": product_block,
    }


@functools.lru_cache(maxsize=4096)
def activity_header_rendered(row: Any, fmt: str) -> tuple[Any, Any]:
    """The business unit and product blocks of an activity, read and rendered once: remembered by
    the header's row (storage.queries.brp.activity_header_row), which holds everything they show,
    as the timetable remembers its activities. A renamed product reads as a new row, so nothing is
    ever stale. A BRP booking's answer shows both; reading and rendering them cost a tenth of it."""
    header = header_of(row)
    business_unit, product_block = named(header.business_unit), product(header.product)
    return (None if business_unit is None else rendered(fmt, "businessunit", business_unit),
            None if product_block is None else rendered(fmt, "product", product_block))


def activity(row: ActivityRow, zone: str, *, with_booking: bool) -> dict[str, Any]:
    load = SlotLoad(spaces=row.spaces, online_spaces=row.online_spaces, confirmed=row.held, waiting=row.waiting)
    window = windows.booking_window(row.starts_at, max_advance_days=row.max_advance,
                                    cutoff_minutes=row.cutoff_minutes, zone=zone)
    block: dict[str, Any] = {
        "id": row.id,
        "businessunit": named(row.business_unit),
        "start": timepoint(row.starts_at, zone),
        "end": timepoint(row.ends_at, zone),
        "product": product(row.product),
        "resources": named_items("resource", row.resources),
        "bookableearliest": timepoint(window.earliest, zone),
        "bookablelatest": timepoint(window.latest, zone),
        "freeslots": load.available_places(online=True),
        "bookableslots": load.bookable_online,
        "totalslots": load.spaces,
        "cancelled": row.cancelled,
        "waitinglistsize": load.waiting,
    }
    if with_booking:
        block["bookingid"] = row.booking_id
        block["bookingtype"] = BOOKING_TYPES.get(row.booking_status) if row.booking_status else None
    return block


def event(row: EventRow, zone: str, *, with_booking: bool, people: list[Participant] | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "code": row.code,
        "productid": row.product_id,
        "description": row.description,
        "lastupdate": timepoint(row.updated_at, zone),
        "productdescription": row.product_description or "",
        "numberofoccasions": row.occasions,
        "time": local_time(row.first_start, zone),
        "startdate": local_date(row.first_start, zone),
        "enddate": local_date(row.last_end, zone),
        "publishstart": timepoint(row.publish_start, zone),
        "publishend": timepoint(row.publish_end, zone),
        "bookableslots": row.bookable,
        "filledslots": row.filled,
    }
    if with_booking:
        block.update(_event_booking_rules(row, zone))
    block["businessunit"] = named(row.business_unit)
    block["orderid"] = None
    if people is not None:
        block["participants"] = Items("participant", [participant(p) for p in people])
    return block


def _event_booking_rules(row: EventRow, zone: str) -> dict[str, Any]:
    if row.first_start is None:
        return {"registered": row.registered, "bookableearliest": None, "bookablelatest": None}
    window = windows.booking_window(row.first_start, max_advance_days=row.max_advance,
                                    cutoff_minutes=row.cutoff_minutes, zone=zone)
    return {
        "registered": row.registered,
        "bookableearliest": timepoint_block(window.earliest, zone),
        "bookablelatest": timepoint_block(window.latest, zone),
    }


def participant(row: Participant) -> dict[str, Any]:
    return {"id": row.person_id, "personid": row.person_id, "firstname": row.first_name, "lastname": row.last_name,
            "eventbookingid": row.booking_id}


def person(row: m.Person) -> dict[str, Any]:
    return {
        "id": row.id,
        "firstname": row.first_name,
        "lastname": row.last_name,
        "mailaddress": {"streetaddress": row.street_address, "postalcode": row.postcode, "city": row.town},
        "email": row.email,
        "gender": row.gender,
        "personnumber": row.person_number,
        "homephone": row.home_phone,
        "mobilephone": row.mobile_phone,
        "workphone": row.work_phone,
    }
