"""Booking use cases: book, join the waiting list, cancel, promote, confirm, pay, attend.

Each function runs inside the caller's unit of work and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from bookable.domain import windows
from bookable.domain.attendance import default_attended, format_volunteering
from bookable.domain.capacity import SlotLoad, course_available_places, promotions
from bookable.domain.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    InvalidState,
    NotAllowed,
    NotFound,
    OfferingDisabled,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
    ValidationError,
    WaitingListClosed,
)
from bookable.domain.money import ZERO, Balance, EntryKind, LedgerLine, PaymentType, balance
from bookable.services import audit
from bookable.services.actor import Actor, utc_now
from bookable.storage import models as m
from bookable.storage.repositories import SlotLike as CountedSlot
from bookable.storage.unit_of_work import UnitOfWork

BOOKING_FIELDS = ("person_id", "offering_id", "slot_id", "places", "status", "queue_number", "registration_id")


class WaitlistPolicy(StrEnum):
    NEVER = "never"
    IF_FULL = "if_full"


class Settlement(StrEnum):
    NONE = "none"
    REFUND = "refund"
    CREDIT = "credit"


class SlotLike(CountedSlot, Protocol):
    """An ORM slot, or a Core row of one (the booking hot path, storage.booking_rows)."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def cancelled(self) -> bool: ...


class OfferingLike(Protocol):
    """An ORM offering, or a Core row of one: the parameters booking rules read."""

    @property
    def id(self) -> int: ...
    @property
    def tenant_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def disabled(self) -> bool: ...
    @property
    def bookable_from_internet(self) -> bool: ...
    @property
    def max_num_bookings(self) -> int: ...
    @property
    def waitlist_enabled(self) -> bool: ...
    @property
    def auto_promote(self) -> bool: ...
    @property
    def max_advance(self) -> int | None: ...
    @property
    def booking_cutoff_minutes(self) -> int: ...
    @property
    def min_cancel(self) -> int: ...


class TargetSource(Protocol):
    """Where a target's rows come from: the ORM repository, or the hot path's Core rows."""

    def slot(self, slot_id: int) -> SlotLike | None: ...
    def offering(self, offering_id: int) -> OfferingLike | None: ...
    def slots_of(self, offering_id: int) -> Sequence[SlotLike]: ...


@dataclass
class Target:
    """What a booking takes places on: one slot, or every slot of a course."""

    offering: OfferingLike
    slots: Sequence[SlotLike]
    slot_id: int | None

    @property
    def first_start(self) -> datetime:
        return min(slot.starts_at for slot in self.slots)

    @property
    def span(self) -> tuple[datetime, datetime]:
        """From the first start to the last end: what a booking of this target covers."""
        return self.first_start, max(slot.ends_at for slot in self.slots)


class NewBooking(NamedTuple):
    """A booking just made, as written: the booking path inserts with Core and builds no ORM
    object under the write lock. `uow.bookings.booking(id)` loads the ORM row when one is needed.
    A named tuple: as immutable as a frozen dataclass, built in a third of its time."""

    id: int
    tenant_id: int
    person_id: int
    offering_id: int
    slot_id: int | None
    registration_id: int | None
    places: int
    status: str
    queue_number: int | None
    channel: str
    created_at: datetime
    changed_at: datetime


@dataclass
class BookingOutcome:
    booking: NewBooking
    waitlisted: bool
    span: tuple[datetime, datetime]
    position: int | None = None


@dataclass
class CancelOutcome:
    booking: m.Booking
    promoted: list[m.Booking] = field(default_factory=list)
    settled: Decimal = ZERO


def resolve_target(
    uow: UnitOfWork, *, slot_id: int | None = None, offering_id: int | None = None, rows: bool = False
) -> Target:
    """A slot of a course means the whole course; an offering with one slot means that slot.
    rows=True reads Core rows (the booking hot path) instead of ORM objects."""
    source: TargetSource = uow.rows if rows else uow.offerings
    if slot_id is not None:
        slot = source.slot(slot_id)
        offering = source.offering(slot.offering_id) if slot is not None else None
        if slot is None or offering is None:
            raise NotFound(f"Slot {slot_id} not found.", field="slot_id")
        if offering.kind == "course":
            return Target(offering, source.slots_of(offering.id), None)
        return Target(offering, [slot], slot.id)
    if offering_id is None:
        raise ValidationError("A slot or an offering is required.", field="slot_id")
    found = source.offering(offering_id)
    if found is None:
        raise NotFound(f"Offering {offering_id} not found.", field="offering_id")
    slots = source.slots_of(found.id)
    if found.kind == "course":
        return Target(found, slots, None)
    if len(slots) != 1:
        raise ValidationError("This offering has several slots: book one slot.", field="slot_id")
    return Target(found, slots, slots[0].id)


def target_of(uow: UnitOfWork, booking: m.Booking) -> Target:
    offering = uow.offerings.get(m.Offering, booking.offering_id)
    assert offering is not None
    if booking.slot_id is None:
        return Target(offering, uow.offerings.slots_of(offering.id), None)
    slot = uow.offerings.get(m.Slot, booking.slot_id)
    assert slot is not None
    return Target(offering, [slot], slot.id)


def free_places(uow: UnitOfWork, target: Target, *, online: bool = False) -> int:
    """Counts only the places held: a slot's waiting list can be long, and does not change this."""
    return course_available_places(list(loads_of(uow, target, waiting=False).values()), online=online)


def loads_of(uow: UnitOfWork, target: Target, *, waiting: bool = True) -> dict[int, SlotLoad]:
    courses = [target.offering.id] if target.offering.kind == "course" else []
    return uow.loads.for_slots(target.slots, courses, waiting=waiting)


def book(
    uow: UnitOfWork,
    actor: Actor,
    *,
    person_id: int | None,
    slot_id: int | None = None,
    offering_id: int | None = None,
    places: int = 1,
    waitlist: WaitlistPolicy = WaitlistPolicy.NEVER,
    confirmed: bool = True,
    override_window: bool = False,
    registration_id: int | None = None,
    now: datetime | None = None,
) -> BookingOutcome:
    now = now or utc_now()
    uow.defer_write_lock()
    uow.rows.booking_for(actor.person_id if actor.is_member else person_id)
    target = resolve_target(uow, slot_id=slot_id, offering_id=offering_id, rows=True)
    fresh = uow.lock_slot_rows(target.slots)  # every check below reads current slots (and bookings)
    person = _person_id_for(uow, actor, person_id)
    target = Target(target.offering, fresh, target.slot_id)
    _check_bookable(uow, actor, target, places, now, override=override_window and actor.is_staff)
    _refuse_double_booking(uow, person, target)
    if places <= _free_places_now(uow, target, online=actor.is_member):
        status = "confirmed" if confirmed else "reserved"
        booking = _insert(uow, actor, person, target, places, status, None, registration_id, now)
        return BookingOutcome(booking, waitlisted=False, span=target.span)
    if waitlist is WaitlistPolicy.NEVER:
        raise SlotFull("No places left.")
    if not target.offering.waitlist_enabled:
        raise WaitingListClosed("No places left and this offering has no waiting list.")
    queue_number, position = uow.rows.next_in_queue(target.slot_id, target.offering.id)
    booking = _insert(uow, actor, person, target, places, "waitlisted", queue_number, registration_id, now)
    return BookingOutcome(booking, waitlisted=True, span=target.span, position=position)


def _free_places_now(uow: UnitOfWork, target: Target, *, online: bool) -> int:
    """free_places(), from the places held as read with the slot if they were (BookingRows)."""
    load = uow.rows.load_read(target.slot_id) if target.slot_id is not None else None
    if load is None:
        return free_places(uow, target, online=online)
    return course_available_places([load], online=online)


def _person_id_for(uow: UnitOfWork, actor: Actor, person_id: int | None) -> int:
    """person_for() without loading the person: a booking needs only to know they exist here."""
    if actor.is_member:
        if person_id is not None and person_id != actor.person_id:
            raise NotAllowed("Members may only book for themselves.", field="person_id")
        person_id = actor.person_id
    if person_id is None:
        raise ValidationError("person_id is required.", field="person_id")
    if not uow.rows.person_exists(person_id):
        raise NotFound(f"Person {person_id} not found.", field="person_id")
    return person_id


def _check_bookable(
    uow: UnitOfWork, actor: Actor, target: Target, places: int, now: datetime, *, override: bool
) -> None:
    offering = target.offering
    if not target.slots:
        raise ValidationError("This offering has no slots to book.", field="offering_id")
    if any(slot.cancelled for slot in target.slots):
        raise SlotCancelled("This slot is cancelled.")
    if offering.disabled and not actor.is_staff:
        raise OfferingDisabled("This offering is not open for booking.")
    if actor.is_member and not offering.bookable_from_internet:
        raise OfferingDisabled("This offering cannot be booked online.")
    if not 1 <= places <= offering.max_num_bookings:
        raise TooManyPlaces(f"places must be between 1 and {offering.max_num_bookings}.", field="places")
    window = booking_window_of(uow, target)
    windows.check_can_book(window, now, override=override)


def booking_window_of(uow: UnitOfWork, target: Target) -> windows.BookingWindow:
    return windows.booking_window(
        target.first_start,
        max_advance_days=target.offering.max_advance,
        cutoff_minutes=target.offering.booking_cutoff_minutes,
        zone=uow.zone(target.offering.tenant_id),
    )


def _refuse_double_booking(uow: UnitOfWork, person_id: int, target: Target) -> None:
    existing = uow.rows.active_of_person(person_id, target.slot_id, target.offering.id)
    if existing is None:
        return
    if existing.status == "waitlisted":
        raise AlreadyWaitlisted(f"Already on the waiting list (booking {existing.id}).")
    raise AlreadyBooked(f"Already booked (booking {existing.id}).")


def _insert(
    uow: UnitOfWork,
    actor: Actor,
    person_id: int,
    target: Target,
    places: int,
    status: str,
    queue: int | None,
    registration_id: int | None,
    now: datetime,
) -> NewBooking:
    values: dict[str, Any] = {
        "tenant_id": actor.tenant_id, "person_id": person_id, "offering_id": target.offering.id,
        "slot_id": target.slot_id, "registration_id": registration_id, "places": places, "status": status,
        "queue_number": queue, "channel": actor.channel.value, "created_at": now, "changed_at": now,
    }
    booking = NewBooking(id=uow.rows.insert_booking(values), **values)
    action = "booking.waitlisted" if status == "waitlisted" else "booking.created"
    audit.record(uow, actor, action, "booking", booking.id, after=audit.snapshot(booking, BOOKING_FIELDS))
    return booking


def get_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> m.Booking:
    booking = uow.bookings.booking(booking_id)
    if booking is None:
        raise NotFound(f"Booking {booking_id} not found.", field="booking_id")
    if actor.is_member and booking.person_id != actor.person_id:
        raise NotAllowed("This booking belongs to someone else.", field="booking_id")
    return booking


def cancel(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int,
    *,
    settlement: Settlement = Settlement.NONE,
    override_window: bool = False,
    promote_waiting: bool = True,
    now: datetime | None = None,
) -> CancelOutcome:
    now = now or utc_now()
    booking = get_booking(uow, actor, booking_id)
    if booking.status == "cancelled":
        raise InvalidState(f"Booking {booking_id} is already cancelled.", field="booking_id")
    target = target_of(uow, booking)
    held_places = booking.status != "waitlisted"
    if held_places:
        deadline = windows.cancellation_deadline(
            target.first_start, min_cancel_days=target.offering.min_cancel, zone=uow.zone(actor.tenant_id)
        )
        windows.check_can_cancel(deadline, now, override=override_window and actor.is_staff)
    uow.lock_slots([slot.id for slot in target.slots])
    uow.session.refresh(booking)  # under the lock: a concurrent cancel or promotion is seen
    if booking.status == "cancelled":
        raise InvalidState(f"Booking {booking_id} is already cancelled.", field="booking_id")
    held_places = booking.status != "waitlisted"
    before = audit.snapshot(booking, BOOKING_FIELDS)
    booking.status = "cancelled"
    booking.changed_at = now
    settled = settle(uow, actor, booking, settlement, now)
    audit.record(
        uow,
        actor,
        "booking.cancelled",
        "booking",
        booking.id,
        before=before,
        after={**audit.snapshot(booking, BOOKING_FIELDS), "settlement": settlement.value, "settled": str(settled)},
    )
    promoted = promote(uow, actor, target, now) if held_places and promote_waiting else []
    return CancelOutcome(booking, promoted, settled)


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


def promote(uow: UnitOfWork, actor: Actor, target: Target, now: datetime | None = None) -> list[m.Booking]:
    """Fill freed places from the waiting list, FIFO, in the caller's transaction."""
    now = now or utc_now()
    if not target.offering.auto_promote or target.first_start <= now or any(s.cancelled for s in target.slots):
        return []
    queue = uow.bookings.waiting_queue(target.slot_id, target.offering.id)
    if not queue:
        return []
    uow.lock_slots([slot.id for slot in target.slots])
    promoted = []
    for booking_id in promotions(free_places(uow, target), queue):
        booking = uow.bookings.booking(booking_id)
        assert booking is not None
        booking.status = "confirmed"
        booking.changed_at = now
        promoted.append(booking)
        audit.record(
            uow,
            actor,
            "booking.promoted",
            "booking",
            booking.id,
            before={"status": "waitlisted"},
            after={"status": "confirmed"},
        )
    uow.session.flush()
    return promoted


def set_confirmed(uow: UnitOfWork, actor: Actor, booking_id: int, confirmed: bool) -> m.Booking:
    booking = get_booking(uow, actor, booking_id)
    if booking.status not in ("confirmed", "reserved"):
        raise InvalidState(f"Booking {booking_id} is {booking.status}: it cannot be (un)confirmed.", field="Confirmed")
    new_status = "confirmed" if confirmed else "reserved"
    if booking.status != new_status:
        before = {"status": booking.status}
        booking.status = new_status
        booking.changed_at = utc_now()
        audit.record(
            uow,
            actor,
            "booking.confirmed" if confirmed else "booking.unconfirmed",
            "booking",
            booking.id,
            before=before,
            after={"status": new_status},
        )
    return booking


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
    booking = get_booking(uow, actor, booking_id)
    if booking.status == "cancelled":
        raise InvalidState(f"Booking {booking_id} is cancelled: no payment can be taken.", field="booking_id")
    return _add_ledger_entry(uow, actor, booking, EntryKind.PAYMENT, amount, payment_type, fee, reference)


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
    if len(reference) > 200:
        raise ValidationError("PaymentReference is longer than 200 characters.", field="PaymentReference")
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
    audit.record(
        uow,
        actor,
        f"ledger.{kind.value}",
        "booking",
        booking.id,
        after={"amount": str(amount), "fee": str(fee), "payment_type": entry.payment_type, "reference": reference},
    )
    return entry


def mark_attendance(
    uow: UnitOfWork,
    actor: Actor,
    booking: m.Booking,
    slot: m.Slot,
    *,
    attended: bool | None,
    volunteering: tuple[str, ...] | None,
    now: datetime | None = None,
) -> m.Attendance:
    """Attended defaults to 0, or to 1 once the slot has started (DESIGN section 3)."""
    now = now or utc_now()
    row = uow.bookings.attendance(booking.id, slot.id)
    before = None if row is None else {"attended": row.attended, "volunteering": row.volunteering}
    if row is None:
        row = uow.bookings.add(m.Attendance(booking_id=booking.id, slot_id=slot.id, attended=False, volunteering=""))
    row.attended = default_attended(now, slot.starts_at) if attended is None else attended
    if volunteering is not None:
        row.volunteering = format_volunteering(volunteering)
    audit.record(
        uow,
        actor,
        "attendance.marked",
        "booking",
        booking.id,
        before=before,
        after={"slot_id": slot.id, "attended": row.attended, "volunteering": row.volunteering},
    )
    return row
