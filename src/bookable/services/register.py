"""A session's register and its participants: who holds a place, whether they came, what they
volunteered for, and what they paid.

A register is taken by staff, often after the session: its use cases book people outside the
booking window (never beyond capacity). A session whose offering has a price is a *paid* session
(domain.register): joining it takes a booking with its payment, and no register change ever
cancels a paid booking behind the caller's back; the money is always the caller's explicit choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bookable.domain.actors import Actor, utc_now
from bookable.domain.booking import HOLDING, Booking, Waitlist
from bookable.domain.errors import InvalidState, NotFound, ValidationError
from bookable.domain.money import ZERO, PaymentType
from bookable.domain.register import RegisterChange, bulk_removal_allowed, plan_register
from bookable.services import bookings
from bookable.services.bookings import BookingOutcome, Settlement, booking_of
from bookable.services.person_details import KeptValue, fill_blank_details
from bookable.storage import models as m
from bookable.storage.queries.registers import RegisterRow, register_rows
from bookable.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegisterLine:
    person_id: int
    attended: bool | None = None
    volunteering: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Payment:
    payment_type: PaymentType
    amount: Decimal
    fee: Decimal = ZERO
    reference: str = ""


@dataclass(frozen=True)
class NewParticipant:
    person_id: int
    payment: Payment | None = None
    details: dict[str, str] = field(default_factory=dict)
    confirmed: bool = True
    waiting_list: bool = False


@dataclass(frozen=True)
class Session:
    """A register's session: a slot, and its offering (the session group)."""

    slot: m.Slot
    offering: m.Offering

    @property
    def paid(self) -> bool:
        return self.offering.price is not None


@dataclass
class Joined:
    outcome: BookingOutcome
    kept: list[KeptValue]


def session_of(uow: UnitOfWork, slot_id: int) -> Session:
    slot = uow.offerings.slot(slot_id)
    offering = uow.offerings.offering(slot.offering_id) if slot is not None else None
    if slot is None or offering is None:
        raise NotFound(f"Session {slot_id} not found.", field="sid")
    return Session(slot, offering)


def participants(uow: UnitOfWork, session: Session) -> list[RegisterRow]:
    """Who holds a place on the session (confirmed or reserved), with their attendance there."""
    return register_rows(uow.session, session.slot, session.offering)


def participant_on(uow: UnitOfWork, session: Session, booking_id: int) -> m.Booking:
    """A booking on this session (any status), else NotFound."""
    booking = uow.bookings.booking(booking_id)
    if booking is None or not _on_session(booking, session):
        raise NotFound(f"Participant {booking_id} not found on session {session.slot.id}.", field="pid")
    return booking


def _on_session(booking: m.Booking, session: Session) -> bool:
    if booking.slot_id is not None:
        return booking.slot_id == session.slot.id
    return booking.offering_id == session.offering.id and session.offering.kind == "course"


def join(uow: UnitOfWork, actor: Actor, session: Session, new: NewParticipant, *,
         now: datetime | None = None) -> Joined:
    """Book a person onto the session with their payment (required on a paid session), and fill
    the blank fields of their record with the details sent."""
    if session.paid and new.payment is None:
        raise ValidationError("PaymentType is required.", field="PaymentType")
    outcome = bookings.book(uow, actor, person_id=new.person_id, slot_id=session.slot.id, override_window=True,
                            confirmed=new.confirmed, waitlist=Waitlist.IF_FULL if new.waiting_list else Waitlist.NEVER,
                            now=now)
    if new.payment is not None:
        pay(uow, actor, outcome.booking.id, new.payment)
    person = uow.people.person(new.person_id)
    assert person is not None  # booked just now
    return Joined(outcome, fill_blank_details(uow, actor, person, new.details))


def pay(uow: UnitOfWork, actor: Actor, booking_id: int, payment: Payment) -> None:
    bookings.record_payment(uow, actor, booking_id, payment_type=payment.payment_type, amount=payment.amount,
                            fee=payment.fee, reference=payment.reference)


def update(uow: UnitOfWork, actor: Actor, booking_id: int, *, payment: Payment | None,
           confirmed: bool | None) -> None:
    """A payment and/or a confirmation, together or not at all."""
    if payment is not None:
        pay(uow, actor, booking_id, payment)
    if confirmed is not None:
        bookings.set_confirmed(uow, actor, booking_id, confirmed)


def mark(uow: UnitOfWork, actor: Actor, session: Session, line: RegisterLine, *,
         now: datetime | None = None) -> int:
    """Put one person on the register (booking them on a free session) and mark their attendance;
    the id of their booking."""
    now = now or utc_now()
    holding = {b.person_id: b for b in uow.bookings.on_slot(session.slot, session.offering, HOLDING)}
    return _mark_line(uow, actor, session, line, holding.get(line.person_id), now)


def mark_participant(uow: UnitOfWork, actor: Actor, session: Session, booking_id: int, *, attended: bool | None,
                     volunteering: tuple[str, ...] | None, now: datetime | None = None) -> m.Attendance:
    """Mark the attendance of one participant who holds a place on the session, by their booking."""
    booking = participant_on(uow, session, booking_id)
    if booking.status not in HOLDING:
        raise InvalidState(f"This booking is {booking.status}: it holds no place on the register.", field="pid")
    if attended is None:  # roles only: what was marked stays (the default applies to a first mark only)
        marked = uow.bookings.attendance(booking.id, session.slot.id)
        attended = marked.attended if marked is not None else None
    return bookings.mark_attendance(uow, actor, booking.id, session.slot, attended=attended,
                                    volunteering=volunteering, now=now)


def replace(uow: UnitOfWork, actor: Actor, session: Session, lines: list[RegisterLine], *,
            now: datetime | None = None) -> list[int]:
    """The session's register becomes `lines`, in one transaction (domain.register.plan_register
    decides what happens to whoever is left out); the ids of the bookings of `lines`."""
    now = now or utc_now()
    person_ids = [line.person_id for line in lines]
    if len(set(person_ids)) != len(person_ids):
        raise ValidationError("A person appears twice in the register.", field="ContactID")
    holding = {b.person_id: b for b in uow.bookings.on_slot(session.slot, session.offering, HOLDING)}
    _refuse_unknown_people(uow, [p for p in person_ids if p not in holding])
    left_out = [b for person_id, b in holding.items() if person_id not in set(person_ids)]
    for booking, change in zip(left_out, plan_register(session.paid, [b.slot_id is None for b in left_out]),
                               strict=True):
        if change is RegisterChange.CANCEL:
            bookings.cancel(uow, actor, booking.id, override_window=True, promote_waiting=False, now=now)
        else:
            bookings.mark_attendance(uow, actor, booking.id, session.slot, attended=False, volunteering=(), now=now)
    marked = [_mark_line(uow, actor, session, line, holding.get(line.person_id), now) for line in lines]
    bookings.promote(uow, actor, bookings.target_of_slot(uow, session.offering, session.slot), now)
    return marked


def _refuse_unknown_people(uow: UnitOfWork, person_ids: list[int]) -> None:
    known = uow.people.existing(person_ids)
    for person_id in person_ids:
        if person_id not in known:
            raise NotFound(f"Contact {person_id} not found.", field="ContactID")


def _mark_line(uow: UnitOfWork, actor: Actor, session: Session, line: RegisterLine, booking: m.Booking | None,
               now: datetime) -> int:
    booking_id = booking.id if booking is not None else _book_onto_register(uow, actor, session, line.person_id, now)
    bookings.mark_attendance(uow, actor, booking_id, session.slot, attended=line.attended,
                             volunteering=line.volunteering, now=now)
    return booking_id


def _book_onto_register(uow: UnitOfWork, actor: Actor, session: Session, person_id: int, now: datetime) -> int:
    """A free session's register books whoever it names; a paid one only marks people who hold a
    booking (they join with their payment)."""
    if session.paid:
        if uow.people.person(person_id) is None:
            raise NotFound(f"Contact {person_id} not found.", field="ContactID")
        raise InvalidState(f"Contact {person_id} holds no booking on this session: book them first, "
                           "with their payment.", field="ContactID")
    return bookings.book(uow, actor, person_id=person_id, slot_id=session.slot.id, override_window=True,
                         now=now).booking.id


def remove(uow: UnitOfWork, actor: Actor, session: Session, booking_id: int, *,
           settlement: Settlement = Settlement.NONE) -> Booking:
    """Cancel one participant's booking, settling what it holds as the caller says."""
    booking = participant_on(uow, session, booking_id)
    return bookings.cancel(uow, actor, booking.id, settlement=settlement, override_window=True).booking


def remove_many(uow: UnitOfWork, actor: Actor, session: Session, booking_ids: list[int]) -> None:
    """Cancel several participants at once: only on a free session (on a paid one each removal
    says what becomes of the money), all or nothing."""
    if not bulk_removal_allowed(session.paid):
        raise InvalidState("This session is paid for: remove one participant at a time, saying whether to "
                           "refund or credit.", field="sid")
    for booking in [participant_on(uow, session, booking_id) for booking_id in booking_ids]:
        bookings.cancel(uow, actor, booking.id, override_window=True)


__all__ = ["NewParticipant", "Payment", "RegisterLine", "RegisterRow", "Session", "booking_of"]
