"""Reads for the notifications (bookable.notifications): what a message about a booking says, as
the facts stand when it is addressed: the person, the tenant, the class, its dates and place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from bookable.domain.booking import ACTIVE
from bookable.storage import models as m
from bookable.storage.queries.web import waiting_positions


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


def tenant(connection: Connection, tenant_id: int) -> Tenant | None:
    row = connection.execute(select(m.Tenant.id, m.Tenant.slug, m.Tenant.name, m.Tenant.timezone, m.Tenant.currency,
                                    m.Tenant.language).where(m.Tenant.id == tenant_id)).first()
    return None if row is None else Tenant(*row)


def booking_facts(connection: Connection, tenant_id: int, booking_id: int) -> BookingFacts | None:
    """Everything a message about this booking shows; None when there is no such booking in the tenant."""
    owner = tenant(connection, tenant_id)
    row = connection.execute(
        select(m.Booking.id, m.Booking.status, m.Booking.places, m.Booking.slot_id, m.Booking.offering_id,
               m.Booking.changed_at, m.Offering.name, m.Offering.kind, m.Offering.description, m.Person.id,
               m.Person.first_name, m.Person.last_name, m.Person.email, m.Person.language)
        .join(m.Offering, m.Offering.id == m.Booking.offering_id)
        .join(m.Person, m.Person.id == m.Booking.person_id)
        .where(m.Booking.tenant_id == tenant_id, m.Booking.id == booking_id)).first()
    if row is None or owner is None:
        return None
    positions = waiting_positions(connection, [booking_id]) if row.status == "waitlisted" else {}
    return BookingFacts(
        tenant=owner, recipient=Recipient(row[9], row[10] or "", row[11] or "", row[12] or None, row[13]),
        booking_id=row[0], status=row[1], places=row[2], offering_name=row[6], offering_kind=row[7],
        description=row[8] or "", changed_at=row[5], dates=booked_dates(connection, row[4], row[3]),
        waiting_position=positions.get(booking_id))


def booked_dates(connection: Connection, offering_id: int, slot_id: int | None) -> list[BookedDate]:
    """The dated slots a booking holds: its slot, or every date of its course."""
    query = (select(m.Slot.id, m.Slot.starts_at, m.Slot.ends_at, m.Slot.cancelled, m.BusinessUnit.name)
             .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
             .where(m.Slot.deleted.is_(False))
             .order_by(m.Slot.starts_at, m.Slot.id))
    query = query.where(m.Slot.id == slot_id) if slot_id is not None else query.where(m.Slot.offering_id == offering_id)
    return [BookedDate(v[0], v[1], v[2], bool(v[3]), v[4] or "") for v in connection.execute(query)]


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
