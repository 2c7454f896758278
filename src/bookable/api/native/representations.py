"""How the native API shows slots and bookings (shared by several resources).

Times: `start` / `end` are ISO 8601 in the tenant's local time with its UTC offset
(`2026-05-01T18:00+02:00`); `start_epoch` / `end_epoch` are Unix seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, overload

from pydantic import BaseModel, Field

from bookable.domain.attendance import parse_volunteering
from bookable.domain.booking import Booking
from bookable.domain.capacity import SlotLoad
from bookable.domain.localtime import TIMES_REMEMBERED, to_local
from bookable.services.bookings import BookingOutcome
from bookable.storage import models as m
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork


@overload
def local_iso(instant: datetime, zone: str) -> str: ...
@overload
def local_iso(instant: datetime | None, zone: str) -> str | None: ...
def local_iso(instant: datetime | None, zone: str) -> str | None:
    return None if instant is None else _local_iso(instant, zone)


@lru_cache(maxsize=TIMES_REMEMBERED)
def _local_iso(instant: datetime, zone: str) -> str:
    """Remembered: a slot's start and end are shown with every booking of it, and the conversion
    and isoformat cost far more than a lookup of a remembered one."""
    return to_local(instant, zone).isoformat(timespec="minutes")


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def zone_of(uow: UnitOfWork) -> str:
    return uow.zone(uow.tenant_id)


class SlotOut(BaseModel):
    id: int
    offering_id: int
    offering_name: str
    kind: str = Field(description="event, course (booked whole) or recurring.")
    business_unit_id: int | None
    date: str = Field(description="Local date, YYYY-MM-DD.")
    time: str = Field(description="Local start time, HH:MM.")
    duration: int = Field(description="Minutes.")
    start: str = Field(description="Local start, ISO 8601 with offset.")
    end: str
    start_epoch: int = Field(description="Unix seconds, UTC.")
    end_epoch: int
    spaces: int
    online_spaces: int | None = Field(description="Places bookable from the internet; null = all spaces.")
    confirmed: int = Field(description="Places held by confirmed bookings.")
    reserved: int = Field(description="Places held by unconfirmed bookings (they count against capacity).")
    held: int = Field(description="confirmed + reserved.")
    waiting: int = Field(description="Places asked for on the waiting list.")
    free: int = Field(description="spaces - held (never below 0).")
    free_online: int = Field(description="Free places members may book online.")
    cancelled: bool
    resource_ids: list[int]


def slot_out(slot: Any, offering: Any, load: SlotLoad, resource_ids: list[int], zone: str) -> SlotOut:
    """`slot`: a row of q.SLOT_VIEW; `offering`: its name and kind (q.offering_names)."""
    return SlotOut(
        id=slot.id, offering_id=slot.offering_id, offering_name=offering.name, kind=offering.kind,
        business_unit_id=slot.business_unit_id, date=slot.local_date.isoformat(),
        time=slot.local_time.strftime("%H:%M"), duration=slot.duration,
        start=local_iso(slot.starts_at, zone), end=local_iso(slot.ends_at, zone),
        start_epoch=epoch(slot.starts_at), end_epoch=epoch(slot.ends_at),
        spaces=slot.spaces, online_spaces=slot.online_spaces, confirmed=load.confirmed, reserved=load.reserved,
        held=load.held, waiting=load.waiting, free=load.available_places(),
        free_online=load.available_places(online=True), cancelled=slot.cancelled,
        resource_ids=resource_ids,
    )


def slots_out(uow: UnitOfWork, slots: Sequence[Any], zone: str) -> list[SlotOut]:
    offerings = q.offering_names(uow.connection(), uow.tenant_id, [slot.offering_id for slot in slots])
    courses = [offering.id for offering in offerings.values() if offering.kind == "course"]
    loads = uow.loads.for_slots(slots, courses)
    resources = q.slot_resource_ids(uow.connection(), [slot.id for slot in slots])
    return [slot_out(slot, offerings[slot.offering_id], loads[slot.id], resources.get(slot.id, []), zone)
            for slot in slots]


class AttendanceOut(BaseModel):
    slot_id: int
    attended: bool
    volunteering: list[str]


class BookingOut(BaseModel):
    id: int
    person_id: int
    offering_id: int
    slot_id: int | None = Field(description="null for a whole-course booking (it holds every slot).")
    registration_id: int | None
    places: int
    status: str = Field(description="confirmed, reserved (unconfirmed), waitlisted or cancelled.")
    waiting_position: int | None = Field(description="1-based place in the waiting list, when waitlisted.")
    channel: str = Field(description="The API the booking was made through.")
    start: str | None = Field(description="Local start of the (first) slot.")
    end: str | None = Field(description="Local end of the (last) slot.")
    start_epoch: int | None
    end_epoch: int | None
    created_at: str
    changed_at: str
    attendance: list[AttendanceOut]


def bookings_out(uow: UnitOfWork, bookings: Sequence[Booking | m.Booking], zone: str) -> list[BookingOut]:
    slots = q.slot_spans(uow.connection(), uow.tenant_id, [b.slot_id for b in bookings if b.slot_id is not None])
    spans = q.course_spans(uow.session, [b.offering_id for b in bookings if b.slot_id is None])
    marks = q.attendance_of(uow.connection(), [b.id for b in bookings])
    positions = q.waiting_positions(uow.session, bookings)
    return [
        rendered_booking(booking, slots.get(booking.slot_id) if booking.slot_id is not None
                         else spans.get(booking.offering_id), positions.get(booking.id),
                         marks.get(booking.id, []), zone)
        for booking in bookings
    ]


def new_booking_document(outcome: BookingOutcome, zone: str) -> dict[str, Any]:
    """A booking just made, as its JSON document: everything shown is in the outcome, so no query
    is needed, and no BookingOut is built (booking_document)."""
    return booking_document(outcome.booking, outcome.span, outcome.position, [], zone)


def rendered_booking(booking: Booking | m.Booking, span: tuple[datetime, datetime] | None, position: int | None,
                     marks: Sequence[Any], zone: str) -> BookingOut:
    return BookingOut(**booking_document(booking, span, position, marks, zone))


def booking_document(booking: Booking | m.Booking, span: tuple[datetime, datetime] | None,
                     position: int | None, marks: Sequence[Any], zone: str) -> dict[str, Any]:
    """A BookingOut's fields, in its order, as the JSON values it dumps to: a booking's response
    is rendered straight from this, without building and dumping a model."""
    start, end = span or (None, None)
    created_at = local_iso(booking.created_at, zone)
    changed_at = created_at if booking.changed_at == booking.created_at else local_iso(booking.changed_at, zone)
    return {
        "id": booking.id, "person_id": booking.person_id, "offering_id": booking.offering_id,
        "slot_id": booking.slot_id, "registration_id": booking.registration_id, "places": booking.places,
        "status": booking.status, "waiting_position": position, "channel": booking.channel,
        "start": local_iso(start, zone), "end": local_iso(end, zone),
        "start_epoch": epoch(start) if start else None, "end_epoch": epoch(end) if end else None,
        "created_at": created_at, "changed_at": changed_at,
        "attendance": [{"slot_id": mark.slot_id, "attended": bool(mark.attended),
                        "volunteering": list(parse_volunteering(mark.volunteering))} for mark in marks],
    }


def booking_out(uow: UnitOfWork, booking: Booking) -> BookingOut:
    return bookings_out(uow, [booking], zone_of(uow))[0]
