"""Reminders: which booked dates start within the lead time and have had no reminder yet, and the
claim that makes a reminder recorded once, even by several workers at the same moment (a row
keyed by booking and date, inserted unless it is there: the loser of a race inserts nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, or_, select

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
    on_slot = m.Slot.id == m.Booking.slot_id
    on_course = and_(m.Booking.slot_id.is_(None), m.Slot.offering_id == m.Booking.offering_id)
    reminded = exists(select(m.BookingReminder.booking_id).where(
        m.BookingReminder.booking_id == m.Booking.id, m.BookingReminder.slot_id == m.Slot.id))
    query = (
        select(m.Booking.tenant_id, m.Booking.id, m.Slot.id, m.Slot.starts_at, m.Booking.person_id,
               m.Booking.offering_id, m.Booking.slot_id, m.Booking.places, m.Booking.status, m.Booking.queue_number,
               m.Booking.registration_id)
        .join(m.Slot, or_(on_slot, on_course))
        .join(m.Offering, m.Offering.id == m.Booking.offering_id)
        .where(m.Booking.status.in_(HOLDING), m.Slot.starts_at > now, m.Slot.starts_at <= until,
               m.Slot.cancelled.is_(False), m.Slot.deleted.is_(False), m.Offering.deleted.is_(False), ~reminded)
        .order_by(m.Slot.starts_at, m.Booking.id, m.Slot.id)
        .limit(limit)
    )
    return [DueReminder(v[0], v[1], v[2], v[3], {
        "person_id": v[4], "offering_id": v[5], "slot_id": v[6], "places": v[7], "status": v[8],
        "queue_number": v[9], "registration_id": v[10]}) for v in connection.execute(query)]


def claim_reminder(connection: Connection, reminder: DueReminder, now: datetime) -> bool:
    """True for the one caller that records this reminder; False for any other, before or after
    (on PostgreSQL a racing caller waits for the first one's transaction to end)."""
    table = m.BookingReminder.__table__
    statement = insert_unless_present(connection, table).values(
        booking_id=reminder.booking_id, slot_id=reminder.slot_id, tenant_id=reminder.tenant_id, recorded_at=now
    ).returning(table.c.booking_id)  # rowcount is not reported on every PostgreSQL connection: a row is
    return connection.execute(statement).first() is not None
