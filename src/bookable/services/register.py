"""A slot's register: who is on it, whether they attended, what they volunteered for.

Adding someone to a register books them (staff call: windows do not apply, capacity does).
Replacing the register cancels whoever is dropped (their rows and ledgers stay).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bookable.domain.errors import InvalidState, NotFound, ValidationError
from bookable.services.actor import Actor, utc_now
from bookable.services.bookings import (
    BookingOutcome,
    Settlement,
    WaitlistPolicy,
    book,
    cancel,
    mark_attendance,
    promote,
    resolve_target,
)
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegisterLine:
    person_id: int
    attended: bool | None = None
    volunteering: tuple[str, ...] | None = None


@dataclass
class Participant:
    booking: m.Booking
    person: m.Person
    slot: m.Slot
    offering: m.Offering
    attendance: m.Attendance | None


def slot_and_offering(uow: UnitOfWork, slot_id: int) -> tuple[m.Slot, m.Offering]:
    target = resolve_target(uow, slot_id=slot_id)
    slot = next((s for s in target.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound(f"Session {slot_id} not found.", field="slot_id")
    assert isinstance(slot, m.Slot) and isinstance(target.offering, m.Offering)  # resolved through the ORM
    return slot, target.offering


def participants(uow: UnitOfWork, slot_id: int) -> list[Participant]:
    slot, offering = slot_and_offering(uow, slot_id)
    bookings = uow.bookings.on_slot(slot, offering)
    marks = uow.bookings.attendance_for_slot(slot.id)
    people = {b.person_id: uow.people.person(b.person_id) for b in bookings}
    return [Participant(b, people[b.person_id], slot, offering, marks.get(b.id)) for b in bookings]  # type: ignore[arg-type]


def participant(uow: UnitOfWork, slot_id: int, booking_id: int) -> Participant:
    for found in participants(uow, slot_id):
        if found.booking.id == booking_id:
            return found
    raise NotFound(f"Participant {booking_id} not found on session {slot_id}.", field="pid")


def add_to_register(
    uow: UnitOfWork, actor: Actor, slot_id: int, line: RegisterLine, *, now: datetime | None = None,
    book_if_missing: bool = True,
) -> m.Booking:
    """Put one person on the register (booking them if needed) and mark their attendance.

    With book_if_missing=False only people who already hold a booking can be marked (a priced
    session takes new people through a booking with its payment, not through the register)."""
    now = now or utc_now()
    slot, offering = slot_and_offering(uow, slot_id)
    booking = _holding_booking(uow, slot, offering, line.person_id)
    if booking is None and not book_if_missing:
        if uow.people.person(line.person_id) is None:
            raise NotFound(f"Person {line.person_id} not found.", field="person_id")
        raise InvalidState(f"Person {line.person_id} holds no booking on this session: book them first, "
                           "with their payment.", field="person_id")
    if booking is None:
        outcome: BookingOutcome = book(uow, actor, person_id=line.person_id, slot_id=slot_id,
                                       override_window=True, now=now)
        booking = uow.bookings.booking(outcome.booking.id)
        assert booking is not None
    mark_attendance(uow, actor, booking, slot, attended=line.attended, volunteering=line.volunteering, now=now)
    return booking


def replace_register(
    uow: UnitOfWork, actor: Actor, slot_id: int, lines: list[RegisterLine], *, now: datetime | None = None,
    book_if_missing: bool = True,
) -> list[m.Booking]:
    """The register becomes exactly `lines`, in one transaction; whoever is dropped is cancelled."""
    now = now or utc_now()
    person_ids = [line.person_id for line in lines]
    if len(set(person_ids)) != len(person_ids):
        raise ValidationError("A person appears twice in the register.", field="ContactID")
    slot, offering = slot_and_offering(uow, slot_id)
    keep = set(person_ids)
    for booking in uow.bookings.on_slot(slot, offering):
        if booking.person_id not in keep:
            cancel(uow, actor, booking.id, override_window=True, promote_waiting=False, now=now)
    kept = [add_to_register(uow, actor, slot_id, line, now=now, book_if_missing=book_if_missing) for line in lines]
    promote(uow, actor, resolve_target(uow, slot_id=slot_id), now)
    return kept


def remove_from_register(
    uow: UnitOfWork, actor: Actor, slot_id: int, booking_id: int, *, settlement: Settlement = Settlement.NONE
) -> m.Booking:
    found = participant(uow, slot_id, booking_id)
    return cancel(uow, actor, found.booking.id, settlement=settlement, override_window=True).booking


def _holding_booking(uow: UnitOfWork, slot: m.Slot, offering: m.Offering, person_id: int) -> m.Booking | None:
    for booking in uow.bookings.on_slot(slot, offering):
        if booking.person_id == person_id:
            return booking
    return None


__all__ = [
    "Participant",
    "RegisterLine",
    "WaitlistPolicy",
    "add_to_register",
    "participant",
    "participants",
    "remove_from_register",
    "replace_register",
]
