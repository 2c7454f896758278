"""Reminders: which booked dates start within the lead time and have had no reminder yet, and the
claim that makes a reminder recorded once, even by several workers at the same moment (a row
keyed by booking, date and start time, inserted unless it is there: the loser of a race inserts
nothing). A class moved after its reminder is reminded again before its new time.

Slots are found per tenant through the (tenant_id, starts_at) index, then their bookings through
the bookings' slot and offering indexes: a run costs the classes about to start, not the timetable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, literal, select, union_all

from bookable.domain.booking import HOLDING
from bookable.storage import models as m
from bookable.storage.web_forms import insert_unless_present

BATCH = 500


@dataclass(frozen=True)
class DueReminder:
    tenant_id: int
    booking_id: int
    slot_id: int
    starts_at: datetime
    booking: dict[str, Any]  # the booking's event fields (domain.events.BOOKING_FIELDS)


def due_reminders(connection: Connection, now: datetime, until: datetime, limit: int = BATCH) -> list[DueReminder]:
    """Dates of holding bookings (a course booking: each of its dates) starting after `now` and no
    later than `until`, on classes still on, whose reminder is not recorded yet; soonest first."""
    due: list[DueReminder] = []
    for tenant_id in connection.scalars(select(m.Tenant.id).order_by(m.Tenant.id)):
        due += _due_in_tenant(connection, tenant_id, now, until, limit - len(due))
        if len(due) >= limit:
            break
    return due


def _due_in_tenant(connection: Connection, tenant_id: int, now: datetime, until: datetime,
                   limit: int) -> list[DueReminder]:
    starting = (select(m.Slot.id, m.Slot.offering_id, m.Slot.starts_at, m.Offering.kind)
                .join(m.Offering, m.Offering.id == m.Slot.offering_id)
                .where(m.Slot.tenant_id == tenant_id, m.Slot.starts_at > now, m.Slot.starts_at <= until,
                       m.Slot.cancelled.is_(False), m.Slot.deleted.is_(False), m.Offering.deleted.is_(False))
                .cte("starting"))
    of_slot = _bookings(starting, m.Booking.slot_id == starting.c.id)
    of_course = _bookings(starting, and_(starting.c.kind == literal("course"), m.Booking.slot_id.is_(None),
                                         m.Booking.offering_id == starting.c.offering_id))
    both = union_all(of_slot, of_course).subquery()
    query = select(both).order_by(both.c.starts_at, both.c.booking_id, both.c.slot_id).limit(limit)
    return [DueReminder(tenant_id, v.booking_id, v.slot_id, v.starts_at, {
        "person_id": v.person_id, "offering_id": v.offering_id, "slot_id": v.booked_slot_id, "places": v.places,
        "status": v.status, "queue_number": v.queue_number, "registration_id": v.registration_id})
        for v in connection.execute(query)]


def _bookings(starting: Any, holds: Any) -> Select[Any]:
    reminded = exists(select(m.BookingReminder.booking_id).where(
        m.BookingReminder.booking_id == m.Booking.id, m.BookingReminder.slot_id == starting.c.id,
        m.BookingReminder.starts_at == starting.c.starts_at))
    return (select(m.Booking.id.label("booking_id"), starting.c.id.label("slot_id"),
                   starting.c.starts_at.label("starts_at"), m.Booking.person_id, m.Booking.offering_id,
                   m.Booking.slot_id.label("booked_slot_id"), m.Booking.places, m.Booking.status,
                   m.Booking.queue_number, m.Booking.registration_id)
            .join(starting, holds)
            .where(m.Booking.status.in_(HOLDING), ~reminded))


def claim_reminder(connection: Connection, reminder: DueReminder, now: datetime) -> bool:
    """True for the one caller that records this reminder; False for any other, before or after
    (on PostgreSQL a racing caller waits for the first one's transaction to end)."""
    table = m.BookingReminder.__table__
    statement = insert_unless_present(connection, table).values(
        booking_id=reminder.booking_id, slot_id=reminder.slot_id, starts_at=reminder.starts_at,
        tenant_id=reminder.tenant_id, recorded_at=now,
    ).returning(table.c.booking_id)  # rowcount is not reported on every PostgreSQL connection: a row is
    return connection.execute(statement).first() is not None
