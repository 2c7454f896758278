"""Booking use cases: book, cancel, promote, confirm, pay, mark attendance.

Each runs inside the caller's unit of work and never commits. The rules are the domain's
(domain.booking): a use case reads the facts, asks the rulebook, writes what it decided, and
records what happened as domain events in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bookable.domain.actors import Actor, utc_now
from bookable.domain.attendance import default_attended, format_volunteering
from bookable.domain.booking import (
    HOLDING,
    Booking,
    BookingRequest,
    BookingStatus,
    Waitlist,
    booking_person,
    check_can_cancel,
    check_can_confirm,
    check_can_pay,
    check_can_promote,
    decide_booking,
    limits_apply,
    promotion_open,
)
from bookable.domain.capacity import SlotLoad, course_available_places, promotions
from bookable.domain.errors import NotAllowed, NotFound
from bookable.domain.events import DomainEvent, EventType, booking_snapshot
from bookable.domain.money import (
    ZERO,
    Balance,
    EntryKind,
    LedgerLine,
    PaymentType,
    balance,
    check_can_give_back,
    check_reference,
)
from bookable.storage import models as m
from bookable.storage.booking_store import SlotView
from bookable.storage.unit_of_work import UnitOfWork

WaitlistPolicy = Waitlist  # the name front ends know it by


class Settlement(StrEnum):
    NONE = "none"
    REFUND = "refund"
    CREDIT = "credit"


class CancelReason(StrEnum):
    """Why staff's change cancelled a booking, when it was not cancelled for itself."""

    CLASS_CANCELLED = "class_cancelled"
    CLASS_DROPPED = "class_dropped"


@dataclass
class Target:
    """What a booking holds places on: one slot, or every slot of a course (slot_id None)."""

    offering: m.Offering
    slots: list[m.Slot]
    slot_id: int | None

    @property
    def first_start(self) -> datetime:
        return min(slot.starts_at for slot in self.slots)


@dataclass
class BookingOutcome:
    booking: Booking
    span: tuple[datetime, datetime]  # from the first start to the last end of what it holds
    position: int | None = None  # on the waiting list, 1-based
    shown: tuple[Any, ...] = ()  # what the caller's view shows of the slot (SlotView.shows)

    @property
    def waitlisted(self) -> bool:
        return self.booking.status == BookingStatus.WAITLISTED


@dataclass
class CancelOutcome:
    booking: Booking
    promoted: list[Booking] = field(default_factory=list)
    settled: Decimal = ZERO


def book(
    uow: UnitOfWork,
    actor: Actor,
    *,
    person_id: int | None,
    slot_id: int | None = None,
    offering_id: int | None = None,
    places: int = 1,
    waitlist: Waitlist = Waitlist.NEVER,
    confirmed: bool = True,
    override_window: bool = False,
    registration_id: int | None = None,
    now: datetime | None = None,
    view: SlotView | None = None,
) -> BookingOutcome:
    """Book places on a slot (a slot of a course books the whole course), or on an offering.
    A front end that books only some slots, and shows something of the slot in its answer, gives
    its `view`: a slot it does not offer is not found, before any rule."""
    now = now or utc_now()
    person = booking_person(actor, person_id)
    facts = uow.booking_store.facts(person, slot_id=slot_id, offering_id=offering_id, view=view)
    upcoming = uow.booking_store.upcoming(person, facts.offering.id, now) if limits_apply(actor, facts) else None
    request = BookingRequest(places, waitlist, confirmed, override_window)
    status = decide_booking(actor, facts, request, now, upcoming)
    waitlisted = status is BookingStatus.WAITLISTED
    queue = uow.booking_store.queue_place(facts.slot_id, facts.offering.id) if waitlisted else None
    booking = Booking(0, actor.tenant_id, person, facts.offering.id, facts.slot_id, registration_id, places, status,
                      queue.number if queue else None, actor.channel, actor.is_member, now, now)
    booking = booking._replace(id=uow.booking_store.insert(booking))
    event = EventType.BOOKING_WAITLISTED if waitlisted else EventType.BOOKING_CREATED
    uow.record(actor, DomainEvent(event, "booking", booking.id, after=booking_snapshot(booking)), now)
    return BookingOutcome(booking, facts.span, queue.position if queue else None, facts.shown)


def booking_of(row: m.Booking) -> Booking:
    return Booking(row.id, row.tenant_id, row.person_id, row.offering_id, row.slot_id, row.registration_id,
                   row.places, row.status, row.queue_number, row.channel, row.online, row.created_at, row.changed_at)


def get_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    return booking_of(_booking_row(uow, actor, booking_id))


def _booking_row(uow: UnitOfWork, actor: Actor, booking_id: int) -> m.Booking:
    booking = uow.bookings.booking(booking_id)
    if booking is None:
        raise NotFound(f"Booking {booking_id} not found.", field="booking_id")
    if actor.is_member and booking.person_id != actor.person_id:
        raise NotAllowed("This booking belongs to someone else.", field="booking_id")
    return booking


def target_of(uow: UnitOfWork, booking: m.Booking | Booking) -> Target:
    offering = uow.offerings.get(m.Offering, booking.offering_id)
    assert offering is not None
    if booking.slot_id is None:
        return Target(offering, uow.offerings.slots_of(offering.id), None)
    slot = uow.offerings.get(m.Slot, booking.slot_id)
    assert slot is not None
    return Target(offering, [slot], slot.id)


def target_of_slot(uow: UnitOfWork, offering: m.Offering, slot: m.Slot) -> Target:
    """A slot's places are held by its own bookings, or by its course's (the whole course)."""
    if offering.kind == "course":
        return Target(offering, uow.offerings.slots_of(offering.id), None)
    return Target(offering, [slot], slot.id)


def loads_of(uow: UnitOfWork, target: Target, *, waiting: bool = True) -> dict[int, SlotLoad]:
    courses = [target.offering.id] if target.offering.kind == "course" else []
    return uow.loads.for_slots(target.slots, courses, waiting=waiting)


def free_places(uow: UnitOfWork, target: Target, *, online: bool = False) -> int:
    return course_available_places(list(loads_of(uow, target, waiting=False).values()), online=online)


def cancel(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int,
    *,
    settlement: Settlement = Settlement.NONE,
    override_window: bool = False,
    promote_waiting: bool = True,
    reason: CancelReason | None = None,
    now: datetime | None = None,
) -> CancelOutcome:
    """Cancel a booking (its row and ledger stay); the places it freed go to the waiting list.
    The event says who cancelled (the member or staff) and, when the caller gives one, why."""
    now = now or utc_now()
    booking = _booking_row(uow, actor, booking_id)
    target = target_of(uow, booking)
    uow.lock_slots([slot.id for slot in target.slots])
    uow.session.refresh(booking)  # under the lock: a concurrent cancel or promotion is seen
    check_can_cancel(actor, booking.status, target.first_start, min_cancel_days=target.offering.min_cancel,
                     zone=uow.zone(actor.tenant_id), now=now, override_window=override_window)
    held_places = booking.status in HOLDING
    before = booking_snapshot(booking)
    booking.status = BookingStatus.CANCELLED
    booking.changed_at = now
    settled = settle(uow, actor, booking, settlement, now)
    after = {**booking_snapshot(booking), "settlement": settlement.value, "settled": str(settled),
             "cancelled_by": "member" if actor.is_member else "staff"}
    if reason is not None:
        after["reason"] = reason.value
    uow.record(actor, DomainEvent(EventType.BOOKING_CANCELLED, "booking", booking.id, before, after), now)
    promoted = promote(uow, actor, target, now) if held_places and promote_waiting else []
    return CancelOutcome(booking_of(booking), promoted, settled)


def settle(uow: UnitOfWork, actor: Actor, booking: m.Booking, settlement: Settlement, now: datetime) -> Decimal:
    """Refund or credit what the booking still holds, as a ledger entry; nothing else is touched."""
    if settlement is Settlement.NONE:
        return ZERO
    held = ledger_balance(uow, booking.id).held
    if held <= ZERO:
        return ZERO
    kind = EntryKind.REFUND if settlement is Settlement.REFUND else EntryKind.CREDIT_NOTE
    _add_ledger_entry(uow, actor, booking, kind, held, now=now)
    return held


def promote(uow: UnitOfWork, actor: Actor, target: Target, now: datetime | None = None) -> list[Booking]:
    """Fill freed places from the waiting list, first come first served, in the caller's transaction."""
    now = now or utc_now()
    if not promotion_open(target.offering.auto_promote, target.first_start,
                          any(slot.cancelled for slot in target.slots), now):
        return []
    queue = uow.bookings.waiting_queue(target.slot_id, target.offering.id)
    if not queue:
        return []
    uow.lock_slots([slot.id for slot in target.slots])
    promoted = []
    for booking_id in promotions(list(loads_of(uow, target, waiting=False).values()), queue):
        booking = uow.bookings.booking(booking_id)
        assert booking is not None
        booking.status = BookingStatus.CONFIRMED
        booking.changed_at = now
        promoted.append(booking_of(booking))
        uow.record(actor, DomainEvent(EventType.BOOKING_PROMOTED, "booking", booking.id,
                                      {"status": BookingStatus.WAITLISTED.value}, booking_snapshot(booking)),
                   now)
    uow.session.flush()
    return promoted


def promote_booking(uow: UnitOfWork, actor: Actor, booking_id: int, now: datetime | None = None) -> Booking:
    """Staff promote one waiting booking of their choice (out of turn) into free places."""
    now = now or utc_now()
    booking = _booking_row(uow, actor, booking_id)
    target = target_of(uow, booking)
    uow.lock_slots([slot.id for slot in target.slots])
    uow.session.refresh(booking)  # under the lock: a concurrent promotion or cancel is seen
    check_can_promote(actor, booking.status, booking.places, free_places(uow, target))
    booking.status = BookingStatus.CONFIRMED
    booking.changed_at = now
    uow.record(actor, DomainEvent(EventType.BOOKING_PROMOTED, "booking", booking.id,
                                  {"status": BookingStatus.WAITLISTED.value}, booking_snapshot(booking)), now)
    return booking_of(booking)


def set_confirmed(uow: UnitOfWork, actor: Actor, booking_id: int, confirmed: bool) -> Booking:
    booking = _booking_row(uow, actor, booking_id)
    uow.lock_slots([slot.id for slot in target_of(uow, booking).slots])  # its places are counted on them
    uow.session.refresh(booking)
    check_can_confirm(booking.status)
    new_status = BookingStatus.CONFIRMED if confirmed else BookingStatus.RESERVED
    if booking.status != new_status:
        before = {"status": booking.status}
        booking.status = new_status
        booking.changed_at = utc_now()
        event = EventType.BOOKING_CONFIRMED if confirmed else EventType.BOOKING_UNCONFIRMED
        uow.record(actor, DomainEvent(event, "booking", booking.id, before, booking_snapshot(booking)))
    return booking_of(booking)


def ledger_balance(uow: UnitOfWork, booking_id: int) -> Balance:
    entries = uow.bookings.ledger(booking_id)
    return balance(LedgerLine(EntryKind(entry.kind), entry.amount) for entry in entries)


def record_payment(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int,
    *,
    payment_type: PaymentType,
    amount: Decimal,
    fee: Decimal = ZERO,
    reference: str = "",
) -> m.LedgerEntry:
    booking = _booking_row(uow, actor, booking_id)
    check_can_pay(booking.status)
    return _add_ledger_entry(uow, actor, booking, EntryKind.PAYMENT, amount, payment_type, fee, reference)


def give_back(uow: UnitOfWork, actor: Actor, booking_id: int, kind: EntryKind, amount: Decimal,
              reference: str = "") -> m.LedgerEntry:
    """Staff refund, or issue a credit note for, part or all of what a booking holds; it stays booked."""
    if not actor.is_staff:
        raise NotAllowed("Only staff may refund or credit a booking.", field="kind")
    booking = _booking_row(uow, actor, booking_id)
    check_can_give_back(kind, amount, ledger_balance(uow, booking.id).held)
    return _add_ledger_entry(uow, actor, booking, kind, amount, reference=reference)


_LEDGER_EVENTS = {EntryKind.PAYMENT: EventType.PAYMENT_RECORDED, EntryKind.REFUND: EventType.REFUND_ISSUED,
                  EntryKind.CREDIT_NOTE: EventType.CREDIT_NOTE_ISSUED}


def _add_ledger_entry(
    uow: UnitOfWork,
    actor: Actor,
    booking: m.Booking,
    kind: EntryKind,
    amount: Decimal,
    payment_type: PaymentType | None = None,
    fee: Decimal = ZERO,
    reference: str = "",
    now: datetime | None = None,
) -> m.LedgerEntry:
    check_reference(reference)
    entry = uow.bookings.add(
        m.LedgerEntry(
            tenant_id=actor.tenant_id,
            booking_id=booking.id,
            kind=kind.value,
            payment_type=payment_type.value if payment_type else None,
            amount=amount,
            fee=fee,
            reference=reference,
            created_at=now or utc_now(),
        )
    )
    after = {"amount": str(amount), "fee": str(fee), "payment_type": entry.payment_type, "reference": reference,
             "person_id": booking.person_id, "slot_id": booking.slot_id, "offering_id": booking.offering_id}
    uow.record(actor, DomainEvent(_LEDGER_EVENTS[kind], "booking", booking.id, after=after))
    return entry


def mark_attendance(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int,
    slot: m.Slot,
    *,
    attended: bool | None,
    volunteering: tuple[str, ...] | None,
    now: datetime | None = None,
) -> m.Attendance:
    """Attended defaults to 0, or to 1 once the slot has started (DESIGN section 3)."""
    now = now or utc_now()
    row = uow.bookings.attendance(booking_id, slot.id)
    before = None if row is None else {"attended": row.attended, "volunteering": row.volunteering}
    if row is None:
        row = uow.bookings.add(m.Attendance(booking_id=booking_id, slot_id=slot.id, attended=False, volunteering=""))
    row.attended = default_attended(now, slot.starts_at) if attended is None else attended
    if volunteering is not None:
        row.volunteering = format_volunteering(volunteering)
    after = {"slot_id": slot.id, "attended": row.attended, "volunteering": row.volunteering}
    uow.record(actor, DomainEvent(EventType.ATTENDANCE_MARKED, "booking", booking_id, before, after), now)
    return row


def slot_of_booking(uow: UnitOfWork, booking: Booking, slot_id: int | None) -> m.Slot:
    """The slot of a booking that attendance is marked on: its own, or one of its course's."""
    target = target_of(uow, booking)
    wanted = slot_id if slot_id is not None else booking.slot_id
    slot = next((s for s in target.slots if s.id == wanted), None)
    if slot is None:
        raise NotFound(f"Slot {wanted} is not a slot of booking {booking.id}." if wanted else
                       "slot_id is required for a whole-course booking.", field="slot_id")
    return slot


__all__ = ["WaitlistPolicy"]
