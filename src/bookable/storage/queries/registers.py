"""A session's register in one query: the bookings holding a place on it, their people and attendance."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from bookable.domain.booking import HOLDING
from bookable.storage import models as m


@dataclass(frozen=True)
class RegisterRow:
    booking: m.Booking
    person: m.Person
    attendance: m.Attendance | None


def _on_session(slot: m.Slot, offering: m.Offering) -> ColumnElement[bool]:
    """A booking of this slot, or a whole-course booking of its offering."""
    condition: ColumnElement[bool] = m.Booking.slot_id == slot.id
    if offering.kind == "course":
        condition = condition | and_(m.Booking.offering_id == offering.id, m.Booking.slot_id.is_(None))
    return condition


def register_rows(session: Session, slot: m.Slot, offering: m.Offering) -> list[RegisterRow]:
    query = (
        select(m.Booking, m.Person, m.Attendance)
        .join(m.Person, m.Person.id == m.Booking.person_id)
        .outerjoin(m.Attendance, and_(m.Attendance.booking_id == m.Booking.id, m.Attendance.slot_id == slot.id))
        .where(m.Booking.tenant_id == slot.tenant_id, _on_session(slot, offering), m.Booking.status.in_(HOLDING))
        .order_by(m.Booking.id)
    )
    return [RegisterRow(booking, person, attendance) for booking, person, attendance in session.execute(query)]
