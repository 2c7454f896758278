"""Reads for the notifications (bookable.notifications): what a message about a booking says, as
the facts stand when it is addressed: the person, the tenant, the class, its dates and place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from bookable.domain.booking import ACTIVE
from bookable.storage import models as m
from bookable.storage.prepared import Prepared


@dataclass(frozen=True)
class Tenant:
    id: int
    slug: str
    name: str
    timezone: str
    currency: str
    language: str | None


@dataclass(frozen=True)
class Recipient:
    person_id: int
    first_name: str
    last_name: str
    email: str | None
    language: str | None = None


@dataclass(frozen=True)
class BookedDate:
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    place: str


@dataclass(frozen=True)
class BookingFacts:
    tenant: Tenant
    recipient: Recipient
    booking_id: int
    status: str
    places: int
    offering_name: str
    offering_kind: str
    description: str
    changed_at: datetime
    dates: list[BookedDate]
    waiting_position: int | None

    @property
    def first_date(self) -> BookedDate | None:
        return self.dates[0] if self.dates else None


_bookings, _offerings, _persons, _tenants = (m.Booking.__table__, m.Offering.__table__, m.Person.__table__,
                                             m.Tenant.__table__)
_slots, _units = m.Slot.__table__, m.BusinessUnit.__table__

BOOKING = Prepared(
    select(_bookings.c.id, _bookings.c.status, _bookings.c.places, _bookings.c.slot_id, _bookings.c.offering_id,
           _bookings.c.changed_at, _offerings.c.name.label("offering_name"), _offerings.c.kind,
           _offerings.c.description, _persons.c.id.label("person_id"), _persons.c.first_name, _persons.c.last_name,
           _persons.c.email, _persons.c.language.label("person_language"), _tenants.c.id.label("tenant_id"),
           _tenants.c.slug, _tenants.c.name.label("tenant_name"), _tenants.c.timezone, _tenants.c.currency,
           _tenants.c.language.label("tenant_language"))
    .join(_offerings, _offerings.c.id == _bookings.c.offering_id)
    .join(_persons, _persons.c.id == _bookings.c.person_id)
    .join(_tenants, _tenants.c.id == _bookings.c.tenant_id)
    .where(_bookings.c.tenant_id == bindparam("tenant_id"), _bookings.c.id == bindparam("booking_id")))
"""A booking with its offering, person and tenant: the statement is made once, and run on the driver's
cursor (storage.prepared), as the worker reads it holding the write lock that bookings wait for."""

_DATES = (select(_slots.c.id, _slots.c.starts_at, _slots.c.ends_at, _slots.c.cancelled,
                 _units.c.name.label("place"))
          .outerjoin(_units, _units.c.id == _slots.c.business_unit_id)
          .where(_slots.c.deleted.is_(False))
          .order_by(_slots.c.starts_at, _slots.c.id))
DATE_OF_SLOT = Prepared(_DATES.where(_slots.c.id == bindparam("slot_id")))
DATES_OF_COURSE = Prepared(_DATES.where(_slots.c.offering_id == bindparam("offering_id")))

_mine, _other = _bookings.alias("mine"), _bookings.alias("other")
WAITING_POSITION = Prepared(
    select(func.count(_other.c.id).label("position"))
    .where(_mine.c.id == bindparam("booking_id"), _mine.c.status == "waitlisted", _other.c.status == "waitlisted",
           _other.c.queue_number <= _mine.c.queue_number,
           or_(and_(_mine.c.slot_id.is_not(None), _other.c.slot_id == _mine.c.slot_id),
               and_(_mine.c.slot_id.is_(None), _other.c.slot_id.is_(None),
                    _other.c.offering_id == _mine.c.offering_id))))
"""A waitlisted booking's place in its queue (1 = the next to be promoted), as queries.web.waiting_positions
counts it, for one booking."""


def booking_facts(connection: Connection, tenant_id: int, booking_id: int) -> BookingFacts | None:
    """Everything a message about this booking shows; None when there is no such booking in the tenant."""
    row = BOOKING.first(connection, {"tenant_id": tenant_id, "booking_id": booking_id})
    if row is None:
        return None
    return BookingFacts(
        tenant=Tenant(row.tenant_id, row.slug, row.tenant_name, row.timezone, row.currency, row.tenant_language),
        recipient=Recipient(row.person_id, row.first_name or "", row.last_name or "", row.email or None,
                            row.person_language),
        booking_id=row.id, status=row.status, places=row.places, offering_name=row.offering_name,
        offering_kind=row.kind, description=row.description or "", changed_at=row.changed_at,
        dates=booked_dates(connection, row.offering_id, row.slot_id),
        waiting_position=_waiting_position(connection, booking_id) if row.status == "waitlisted" else None)


def _waiting_position(connection: Connection, booking_id: int) -> int | None:
    [counted] = WAITING_POSITION.all(connection, {"booking_id": booking_id})
    return int(counted.position) or None


def booked_dates(connection: Connection, offering_id: int, slot_id: int | None) -> list[BookedDate]:
    """The dated slots a booking holds: its slot, or every date of its course."""
    rows = (DATE_OF_SLOT.all(connection, {"slot_id": slot_id}) if slot_id is not None
            else DATES_OF_COURSE.all(connection, {"offering_id": offering_id}))
    return [BookedDate(row.id, row.starts_at, row.ends_at, bool(row.cancelled), row.place or "") for row in rows]


def active_bookings_of_slot(connection: Connection, tenant_id: int, slot_id: int) -> list[int]:
    """The active bookings holding (or waiting for) a place on the slot: its own, or its course's."""
    slot = connection.execute(select(m.Slot.offering_id, m.Offering.kind)
                              .join(m.Offering, m.Offering.id == m.Slot.offering_id)
                              .where(m.Slot.tenant_id == tenant_id, m.Slot.id == slot_id)).first()
    if slot is None:
        return []
    of_course = and_(m.Booking.slot_id.is_(None), m.Booking.offering_id == slot.offering_id)
    holds = or_(m.Booking.slot_id == slot_id, of_course) if slot.kind == "course" else m.Booking.slot_id == slot_id
    query = (select(m.Booking.id).where(m.Booking.tenant_id == tenant_id, holds, m.Booking.status.in_(ACTIVE))
             .order_by(m.Booking.id))
    return list(connection.scalars(query))
