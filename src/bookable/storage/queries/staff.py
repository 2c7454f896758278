"""Reads for the staff pages (bookable.web.staff): who a staff user is, a day's or a week's slots with
how full each is, a slot's waiting list, and people found by name, email, card or customer number.
Every read is scoped to one tenant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bookable.domain.booking import BookingStatus
from bookable.storage import models as m

# ---------------------------------------------------------------- staff users


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    disabled: bool
    password_hash: str


def staff_user(session: Session, tenant_id: int, username: str) -> StaffUser | None:
    row = session.execute(select(m.User.id, m.User.username, m.User.role, m.User.disabled, m.User.password_hash)
                          .where(m.User.tenant_id == tenant_id, m.User.username == username)).first()
    return None if row is None else StaffUser(row[0], row[1], row[2], bool(row[3]), row[4])


# ---------------------------------------------------------------- the staff timetable


@dataclass(frozen=True)
class StaffSlot:
    """One slot as the staff timetable shows it: every place counted, course bookings included."""

    id: int
    offering_id: int
    kind: str
    name: str
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool
    business_unit: str | None
    confirmed: int
    reserved: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.spaces - self.confirmed - self.reserved)


def _of_course(status: BookingStatus) -> Any:
    """Whole-course bookings of the slot's course in `status` (a slot's own are counted on its row)."""
    return and_(m.Booking.offering_id == m.Slot.offering_id, m.Booking.slot_id.is_(None),
                m.Booking.status == status.value)


def _places(status: BookingStatus, on_row: Any) -> Any:
    course = select(func.coalesce(func.sum(m.Booking.places), 0)).where(_of_course(status)).scalar_subquery()
    return on_row + course


def _waiting() -> Any:
    course = select(func.count(m.Booking.id)).where(_of_course(BookingStatus.WAITLISTED)).scalar_subquery()
    return m.Slot.waiting_bookings + course


def slots_between(session: Session, tenant_id: int, starts_from: datetime, starts_before: datetime,
                  limit: int = 2000) -> list[StaffSlot]:
    """Every slot starting in [from, before): disabled and unpublished offerings too (staff see all)."""
    query = (
        select(m.Slot.id, m.Slot.offering_id, m.Offering.kind, m.Offering.name, m.Slot.starts_at, m.Slot.ends_at,
               m.Slot.spaces, m.Slot.online_spaces, m.Slot.cancelled, m.BusinessUnit.name,
               _places(BookingStatus.CONFIRMED, m.Slot.held_confirmed),
               _places(BookingStatus.RESERVED, m.Slot.held_reserved), _waiting())
        .join(m.Offering, m.Offering.id == m.Slot.offering_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Slot.tenant_id == tenant_id, m.Slot.starts_at >= starts_from, m.Slot.starts_at < starts_before,
               m.Slot.deleted.is_(False), m.Offering.deleted.is_(False))
        .order_by(m.Slot.starts_at, m.Slot.id)
        .limit(limit)
    )
    return [StaffSlot(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], int(r[10]), int(r[11]),
                      int(r[12])) for r in session.execute(query)]


# ---------------------------------------------------------------- a slot's waiting list


@dataclass(frozen=True)
class WaitingRow:
    booking: m.Booking
    person: m.Person


def waiting_rows(session: Session, slot: m.Slot, offering: m.Offering) -> list[WaitingRow]:
    """The waiting list of the slot (or of its course), first come first."""
    on_slot = m.Booking.slot_id == slot.id
    if offering.kind == "course":
        on_slot = or_(on_slot, and_(m.Booking.offering_id == offering.id, m.Booking.slot_id.is_(None)))
    query = (select(m.Booking, m.Person).join(m.Person, m.Person.id == m.Booking.person_id)
             .where(m.Booking.tenant_id == slot.tenant_id, on_slot, m.Booking.status == BookingStatus.WAITLISTED.value)
             .order_by(m.Booking.queue_number, m.Booking.id))
    return [WaitingRow(booking, person) for booking, person in session.execute(query)]


# ---------------------------------------------------------------- finding people

_LIKE_SPECIALS = re.compile(r"[\\%_]")


def search_people(session: Session, tenant_id: int, text: str, limit: int = 25) -> list[m.Person]:
    """People whose name, email, card or customer number contains `text` (any case)."""
    words = [word for word in (_LIKE_SPECIALS.sub("", word) for word in text.lower().split()) if word]
    if not words:
        return []
    conditions = []
    for word in words[:5]:
        pattern = f"%{word}%"
        conditions.append(or_(*(func.lower(column).like(pattern) for column in (
            m.Person.first_name, m.Person.last_name, m.Person.email, m.Person.card_number, m.Person.customer_number))))
    query = (select(m.Person).where(m.Person.tenant_id == tenant_id, *conditions)
             .order_by(m.Person.last_name, m.Person.first_name, m.Person.id).limit(limit))
    return list(session.scalars(query))


# ---------------------------------------------------------------- a person's ledger


@dataclass(frozen=True)
class LedgerRow:
    id: int
    booking_id: int
    kind: str
    payment_type: str | None
    amount: Any
    fee: Any
    reference: str
    created_at: datetime


def person_ledger(session: Session, tenant_id: int, person_id: int, limit: int = 500) -> list[LedgerRow]:
    """Every ledger entry of the person's bookings, newest first."""
    query = (select(m.LedgerEntry.id, m.LedgerEntry.booking_id, m.LedgerEntry.kind, m.LedgerEntry.payment_type,
                    m.LedgerEntry.amount, m.LedgerEntry.fee, m.LedgerEntry.reference, m.LedgerEntry.created_at)
             .join(m.Booking, m.Booking.id == m.LedgerEntry.booking_id)
             .where(m.LedgerEntry.tenant_id == tenant_id, m.Booking.person_id == person_id)
             .order_by(m.LedgerEntry.id.desc()).limit(limit))
    return [LedgerRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Taking:
    """A ledger entry of a day's takings, with whose booking and of what."""

    entry: LedgerRow
    person: str
    what: str


def ledger_between(session: Session, tenant_id: int, starts_from: datetime, starts_before: datetime,
                   limit: int = 5000) -> list[Taking]:
    """Every ledger entry made in [from, before), oldest first."""
    query = (select(m.LedgerEntry.id, m.LedgerEntry.booking_id, m.LedgerEntry.kind, m.LedgerEntry.payment_type,
                    m.LedgerEntry.amount, m.LedgerEntry.fee, m.LedgerEntry.reference, m.LedgerEntry.created_at,
                    m.Person.first_name, m.Person.last_name, m.Offering.name)
             .join(m.Booking, m.Booking.id == m.LedgerEntry.booking_id)
             .join(m.Person, m.Person.id == m.Booking.person_id)
             .join(m.Offering, m.Offering.id == m.Booking.offering_id)
             .where(m.LedgerEntry.tenant_id == tenant_id, m.LedgerEntry.created_at >= starts_from,
                    m.LedgerEntry.created_at < starts_before)
             .order_by(m.LedgerEntry.id).limit(limit))
    return [Taking(LedgerRow(*row[:8]), f"{row[8]} {row[9]}".strip(), row[10]) for row in session.execute(query)]


# ---------------------------------------------------------------- the audit log


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""
    channel: str = ""
    what: str = ""
    since: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor: str
    channel: str
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


def audit_entries(session: Session, tenant_id: int, wanted: AuditFilter, limit: int = 200) -> list[AuditEntry]:
    """The tenant's events, newest first: who (contains), channel (exactly), what (the action starts
    with it, e.g. `booking.` or `apikey.revoked`), and when."""
    query = select(m.EventRecord.id, m.EventRecord.actor, m.EventRecord.channel, m.EventRecord.action,
                   m.EventRecord.entity, m.EventRecord.entity_id, m.EventRecord.before, m.EventRecord.after,
                   m.EventRecord.at).where(m.EventRecord.tenant_id == tenant_id)
    if wanted.who:
        query = query.where(func.lower(m.EventRecord.actor).contains(wanted.who.lower(), autoescape=True))
    if wanted.channel:
        query = query.where(m.EventRecord.channel == wanted.channel)
    if wanted.what:
        query = query.where(m.EventRecord.action.startswith(wanted.what, autoescape=True))
    if wanted.since is not None:
        query = query.where(m.EventRecord.at >= wanted.since)
    if wanted.before is not None:
        query = query.where(m.EventRecord.at < wanted.before)
    return [AuditEntry(*row) for row in session.execute(query.order_by(m.EventRecord.id.desc()).limit(limit))]
