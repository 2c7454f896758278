"""Repositories: every SQL statement of the engine lives here, always scoped to one tenant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, lazyload

from bookable.domain.booking import ACTIVE, HOLDING, BookingStatus
from bookable.domain.capacity import Waiting
from bookable.storage import models as m

Row = TypeVar("Row", bound=m.Base)
_Columns = TypeVarTuple("_Columns")



class TenantScoped:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def get(self, model: type[Row], row_id: int, *options: Any) -> Row | None:
        row = self.session.get(model, row_id, options=options)
        if row is None or getattr(row, "tenant_id", None) != self.tenant_id:
            return None
        return row

    def add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: m.Base) -> None:
        self.session.delete(row)
        self.session.flush()

    def list(self, model: type[Row], *conditions: Any, limit: int = 100, offset: int = 0) -> list[Row]:
        query = select(model).where(model.tenant_id == self.tenant_id, *conditions)  # type: ignore[attr-defined]
        query = query.order_by(model.id).limit(limit).offset(offset)  # type: ignore[attr-defined]
        return list(self.session.scalars(query))


class Tenants:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slug(self, slug: str) -> m.Tenant | None:
        return self.session.scalar(select(m.Tenant).where(m.Tenant.slug == slug))

    def by_client_id(self, client_id: int) -> m.Tenant | None:
        return self.session.scalar(select(m.Tenant).where(m.Tenant.client_id == client_id))

    def get(self, tenant_id: int) -> m.Tenant | None:
        return self.session.get(m.Tenant, tenant_id)

    def zone(self, tenant_id: int) -> str:
        zone = self.session.scalar(select(m.Tenant.timezone).where(m.Tenant.id == tenant_id))
        if zone is None:
            raise LookupError(f"tenant {tenant_id} does not exist")
        return zone

    def all_ids(self) -> list[int]:
        return list(self.session.scalars(select(m.Tenant.id).order_by(m.Tenant.id)))

    def user(self, username: str) -> m.User | None:
        return self.session.scalar(select(m.User).where(m.User.username == username))

    def api_key(self, key_hash: str) -> m.ApiKey | None:
        return self.session.scalar(select(m.ApiKey).where(m.ApiKey.key_hash == key_hash))

    def api_key_by_id(self, key_id: int) -> m.ApiKey | None:
        return self.session.get(m.ApiKey, key_id)

    def all(self) -> list[m.Tenant]:
        return list(self.session.scalars(select(m.Tenant).order_by(m.Tenant.slug)))

    def users(self, tenant_id: int | None = None) -> list[m.User]:
        query = select(m.User).order_by(m.User.tenant_id, m.User.username)
        if tenant_id is not None:
            query = query.where(m.User.tenant_id == tenant_id)
        return list(self.session.scalars(query))

    def api_keys(self, tenant_id: int | None = None) -> list[m.ApiKey]:
        query = select(m.ApiKey).order_by(m.ApiKey.tenant_id, m.ApiKey.id)
        if tenant_id is not None:
            query = query.where(m.ApiKey.tenant_id == tenant_id)
        return list(self.session.scalars(query))

    def add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.flush()
        return row


class Offerings(TenantScoped):
    def offering(self, offering_id: int) -> m.Offering | None:
        """Resources load when first used, not with every single row (one query fewer per booking)."""
        row = self.get(m.Offering, offering_id, lazyload(m.Offering.resources))
        return None if row is None or row.deleted else row

    def all(self, *conditions: Any, limit: int = 1000, offset: int = 0) -> list[m.Offering]:
        return self.list(m.Offering, m.Offering.deleted.is_(False), *conditions, limit=limit, offset=offset)

    def slot(self, slot_id: int) -> m.Slot | None:
        row = self.get(m.Slot, slot_id, lazyload(m.Slot.resources))
        return None if row is None or row.deleted else row

    def slots_of(self, offering_id: int) -> list[m.Slot]:
        query = (
            select(m.Slot)
            .where(m.Slot.offering_id == offering_id, m.Slot.deleted.is_(False))
            .order_by(m.Slot.starts_at, m.Slot.id)
        )
        return list(self.session.scalars(query))

    def slots_by_offering(self, offering_ids: Sequence[int]) -> dict[int, list[m.Slot]]:
        grouped: dict[int, list[m.Slot]] = defaultdict(list)
        if not offering_ids:
            return grouped
        query = (
            select(m.Slot)
            .where(m.Slot.offering_id.in_(offering_ids), m.Slot.deleted.is_(False))
            .order_by(m.Slot.starts_at, m.Slot.id)
        )
        for slot in self.session.scalars(query):
            grouped[slot.offering_id].append(slot)
        return grouped

    def slots_between(self, start: datetime, end: datetime, *conditions: Any, limit: int = 5000) -> list[m.Slot]:
        query = (
            select(m.Slot)
            .where(
                m.Slot.tenant_id == self.tenant_id,
                m.Slot.deleted.is_(False),
                m.Slot.starts_at >= start,
                m.Slot.starts_at < end,
                *conditions,
            )
            .order_by(m.Slot.starts_at, m.Slot.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def open_ended_recurring(self) -> list[m.Offering]:
        return self.all(m.Offering.end_date.is_(None), m.Offering.kind == "recurring")


class BookingColumns(Protocol):
    """An ORM booking or a booking just written (domain.booking.Booking): where it waits."""

    @property
    def status(self) -> str: ...
    @property
    def queue_number(self) -> int | None: ...
    @property
    def slot_id(self) -> int | None: ...
    @property
    def offering_id(self) -> int: ...


def _target(query: Select[*_Columns], slot_id: int | None, offering_id: int) -> Select[*_Columns]:
    if slot_id is None:
        return query.where(m.Booking.offering_id == offering_id, m.Booking.slot_id.is_(None))
    return query.where(m.Booking.slot_id == slot_id)


class Bookings(TenantScoped):
    def booking(self, booking_id: int) -> m.Booking | None:
        return self.get(m.Booking, booking_id)

    def active_of_person(self, person_id: int, slot_id: int | None, offering_id: int) -> m.Booking | None:
        query = select(m.Booking).where(m.Booking.person_id == person_id, m.Booking.status.in_(ACTIVE))
        booking: m.Booking | None = self.session.scalar(_target(query, slot_id, offering_id).limit(1))
        return booking

    def waiting_queue(self, slot_id: int | None, offering_id: int) -> list[Waiting]:
        query = select(m.Booking.id, m.Booking.places, m.Booking.online).where(
            m.Booking.status == BookingStatus.WAITLISTED)
        query = _target(query, slot_id, offering_id).order_by(m.Booking.queue_number, m.Booking.id)
        return [Waiting(row.id, row.places, row.online) for row in self.session.execute(query)]

    def waiting_position(self, booking: BookingColumns) -> int | None:
        if booking.status != BookingStatus.WAITLISTED or booking.queue_number is None:
            return None
        query = select(func.count()).where(
            m.Booking.status == BookingStatus.WAITLISTED, m.Booking.queue_number <= booking.queue_number
        )
        return int(self.session.scalar(_target(query, booking.slot_id, booking.offering_id)) or 0)

    def on_slot(self, slot: m.Slot, offering: m.Offering, statuses: Sequence[str] = HOLDING) -> list[m.Booking]:
        """Bookings that hold the slot: its own, plus whole-course bookings of its offering."""
        direct = m.Booking.slot_id == slot.id
        if offering.kind == "course":
            direct = direct | ((m.Booking.offering_id == offering.id) & m.Booking.slot_id.is_(None))
        query = select(m.Booking).where(direct, m.Booking.status.in_(statuses)).order_by(m.Booking.id)
        return list(self.session.scalars(query))

    def active_on_slots(self, slot_ids: Sequence[int]) -> list[m.Booking]:
        if not slot_ids:
            return []
        query = select(m.Booking).where(m.Booking.slot_id.in_(slot_ids), m.Booking.status.in_(ACTIVE))
        return list(self.session.scalars(query))

    def active_on_offering(self, offering_id: int) -> list[m.Booking]:
        query = select(m.Booking).where(m.Booking.offering_id == offering_id, m.Booking.status.in_(ACTIVE))
        return list(self.session.scalars(query.order_by(m.Booking.id)))

    def of_person(self, person_id: int, statuses: Sequence[str] = ACTIVE) -> list[m.Booking]:
        query = select(m.Booking).where(
            m.Booking.tenant_id == self.tenant_id,
            m.Booking.person_id == person_id,
            m.Booking.status.in_(statuses),
        )
        return list(self.session.scalars(query.order_by(m.Booking.id)))

    def of_registration(self, registration_id: int) -> list[m.Booking]:
        query = select(m.Booking).where(m.Booking.registration_id == registration_id, m.Booking.status.in_(ACTIVE))
        return list(self.session.scalars(query.order_by(m.Booking.id)))

    def attendance(self, booking_id: int, slot_id: int) -> m.Attendance | None:
        return self.session.get(m.Attendance, (booking_id, slot_id))

    def attendance_for_slot(self, slot_id: int) -> dict[int, m.Attendance]:
        rows = self.session.scalars(select(m.Attendance).where(m.Attendance.slot_id == slot_id))
        return {row.booking_id: row for row in rows}

    def ledger(self, booking_id: int) -> list[m.LedgerEntry]:
        query = select(m.LedgerEntry).where(m.LedgerEntry.booking_id == booking_id).order_by(m.LedgerEntry.id)
        return list(self.session.scalars(query))


class People(TenantScoped):
    def person(self, person_id: int) -> m.Person | None:
        return self.get(m.Person, person_id)

    def existing(self, person_ids: Sequence[int]) -> set[int]:
        """Which of these people are the tenant's, in one query."""
        if not person_ids:
            return set()
        query = select(m.Person.id).where(m.Person.tenant_id == self.tenant_id, m.Person.id.in_(person_ids))
        return set(self.session.scalars(query))

    def by_login(self, login: str) -> m.Person | None:
        """A member logs in with their email (in any case: `Anna@X.se` is `anna@x.se`), card number
        or customer number. The exact spelling is tried first, so that it wins over another person's
        email that differs only in case (the index on lower(email) makes the second try a seek)."""
        lowered = func.lower(m.Person.email) == login.lower()
        for condition in (m.Person.email == login, m.Person.card_number == login, m.Person.customer_number == login,
                          lowered):
            query = select(m.Person).where(m.Person.tenant_id == self.tenant_id, condition)
            person = self.session.scalar(query.order_by(m.Person.id).limit(1))
            if person is not None:
                return person
        return None

    def registration(self, registration_id: int) -> m.Registration | None:
        return self.get(m.Registration, registration_id)

    def registration_by_code(self, offering_id: int, code: str) -> m.Registration | None:
        query = select(m.Registration).where(
            m.Registration.tenant_id == self.tenant_id,
            m.Registration.offering_id == offering_id,
            m.Registration.code == code,
        )
        return self.session.scalar(query)


class Audit(TenantScoped):
    """The recorded events, read as the audit log."""

    def entries(self, *, after_id: int = 0, limit: int = 100, entity: str | None = None) -> list[m.EventRecord]:
        conditions = [m.EventRecord.id > after_id]
        if entity is not None:
            conditions.append(m.EventRecord.entity == entity)
        return self.list(m.EventRecord, *conditions, limit=limit)
