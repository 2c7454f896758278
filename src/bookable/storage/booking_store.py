"""What a booking reads and writes: its facts, read under the lock of the slots it would take
(domain.booking.BookingFacts), and its row.

The facts are read with prebuilt Core statements run on the driver's cursor (storage.prepared,
ADR 0005, ADR 0008): a booking runs them under SQLite's write lock, which every booking in every
worker queues for. Lock before you count, on each database its own way (DESIGN section 5):
- SQLite: a write transaction holds the database's write lock from its first statement
  (BEGIN IMMEDIATE, storage.locking), so what it reads stays true until it writes. A booking of one
  slot reads the slot, its offering and its checks (the person, their booking on the slot, the
  places held) in one statement (ADR 0014).
- PostgreSQL: the slots are locked (FOR UPDATE, in id order) after the target is known, and the
  checks are read in a statement of their own after the lock: a statement's snapshot predates its
  wait for a lock, so checks read with the lock could miss a booking committed meanwhile. When a
  member's booking limits apply, the person's row is locked too, after the slots, so that two of
  their bookings on different slots count each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, bindparam, exists, false, func, insert, or_, select
from sqlalchemy.dialects import postgresql

from bookable.domain.booking import (
    ACTIVE,
    ActiveBooking,
    Booking,
    BookingFacts,
    BookingStatus,
    Limits,
    OfferingFacts,
    SlotFacts,
    Upcoming,
    bookable_online,
    refuse_double_booking,
)
from bookable.domain.capacity import SlotLoad
from bookable.domain.errors import NotFound, ValidationError
from bookable.storage import models as m
from bookable.storage.loads import Loads
from bookable.storage.locking import refuse_to_wait
from bookable.storage.prepared import Prepared, one_of

_slots = m.Slot.__table__
_offerings = m.Offering.__table__
_products = m.Product.__table__
_tenants = m.Tenant.__table__
_bookings = m.Booking.__table__
_persons = m.Person.__table__

SLOT_COLUMNS = tuple(_slots.c[name] for name in SlotFacts._fields)
_LABELLED_SLOT = tuple(column.label(f"slot_{column.key}") for column in SLOT_COLUMNS)
OFFERING_COLUMNS = (
    *(_offerings.c[name] for name in ("id", "tenant_id", "kind", "disabled", "bookable_from_internet",
                                       "max_num_bookings", "waitlist_enabled", "auto_promote", "max_advance",
                                       "booking_cutoff_minutes", "min_cancel", "max_upcoming_bookings")),
    _products.c.bookable_from_internet.label("product_bookable_from_internet"),
    _tenants.c.max_upcoming_bookings.label("tenant_max_upcoming_bookings"),
)
"""An offering's booking parameters, with its product's online flag and its tenant's limit."""


def _offering_with_terms(condition: ColumnElement[bool]) -> Any:
    return (select(*OFFERING_COLUMNS)
            .select_from(_offerings)
            .join(_tenants, _tenants.c.id == _offerings.c.tenant_id)
            .outerjoin(_products, _products.c.id == _offerings.c.product_id)
            .where(condition, _offerings.c.tenant_id == bindparam("tenant_id"), _offerings.c.deleted == false()))


def _active_here(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The person's active booking on the slot (at most one: the double-booking check), sought in
    the unique index that keeps it so (its condition spelt as the index's)."""
    return (select(column).where(_bookings.c.person_id == bindparam("person_id"),
                                 _bookings.c.slot_id == bindparam("slot_id"), m.ACTIVE_BOOKING)
            .scalar_subquery())


HELD_COLUMNS = (_slots.c.held_confirmed, _slots.c.held_reserved, _slots.c.last_queue_number,
                _slots.c.waiting_bookings)
"""The places held on a slot and its waiting list's last number and length, kept on its row
(storage.slot_counters): read with the slot, under its lock, never summed over its bookings."""

CHECK_COLUMNS = (
    select(_persons.c.id).where(_persons.c.id == bindparam("person_id"), _persons.c.tenant_id == bindparam("tenant_id"))
    .scalar_subquery().label("person_found"),
    _active_here(_bookings.c.id).label("active_id"),
    _active_here(_bookings.c.status).label("active_status"),
)
"""What a booking of one slot checks besides the slot: that the person exists and their active
booking on it."""

OFFERING_TERMS = Prepared(_offering_with_terms(_offerings.c.id == bindparam("offering_id")))
_SLOT_AND_TERMS = (
    _offering_with_terms(_offerings.c.id == _slots.c.offering_id)
    .add_columns(*_LABELLED_SLOT)
    .join(_slots, _slots.c.offering_id == _offerings.c.id)
    .where(_slots.c.id == bindparam("slot_id"), _slots.c.tenant_id == bindparam("tenant_id"),
           _slots.c.deleted == false()))


class LockingRead(NamedTuple):
    """A statement that locks what it reads, as a write that may wait for the lock runs it, and as
    one that may not (SKIP LOCKED: a row another transaction holds is left out, storage.locking)."""

    waiting: Prepared
    skipping: Prepared

    @classmethod
    def of(cls, statement: Any, **options: Any) -> LockingRead:
        return cls(Prepared(statement.with_for_update(**options)),
                   Prepared(statement.with_for_update(skip_locked=True, **options)))

    def run(self, may_wait: bool) -> Prepared:
        return self.waiting if may_wait else self.skipping


CHECKS = Prepared(select(*CHECK_COLUMNS))
SLOTS_OF = Prepared(select(*SLOT_COLUMNS)
                    .where(_slots.c.offering_id == bindparam("offering_id"), _slots.c.deleted == false())
                    .order_by(_slots.c.starts_at, _slots.c.id))
LOCK_SLOT = LockingRead.of(select(*SLOT_COLUMNS, *HELD_COLUMNS).where(_slots.c.id == bindparam("slot_id")))
"""The slot locked with the places it holds: a FOR UPDATE that waited for another booking reads
the row that booking left, counters included."""
_SLOTS_BY_ID = (select(*SLOT_COLUMNS).where(_slots.c.id.in_(bindparam("slot_ids", expanding=True)))
                .order_by(_slots.c.id))
LOCK_SLOTS = {True: _SLOTS_BY_ID.with_for_update(), False: _SLOTS_BY_ID.with_for_update(skip_locked=True)}
LOCK_PERSON = LockingRead.of(select(_persons.c.id).where(_persons.c.id == bindparam("person_id")), key_share=True)
"""FOR NO KEY UPDATE: it keeps the person's other bookings waiting, not inserts that only refer to them."""
PERSON = Prepared(select(_persons.c.id).where(
    _persons.c.id == bindparam("person_id"), _persons.c.tenant_id == bindparam("tenant_id")))
ACTIVE_ON_COURSE = Prepared(select(_bookings.c.id, _bookings.c.status).where(
    _bookings.c.person_id == bindparam("person_id"), one_of(_bookings.c.status, ACTIVE),
    _bookings.c.offering_id == bindparam("offering_id"), _bookings.c.slot_id.is_(None)).limit(1))


def _upcoming(*conditions: ColumnElement[bool]) -> ColumnElement[Any]:
    """The person's active bookings that have not started: a slot's own, or a course with a slot
    still to come."""
    later_slot = exists().where(_slots.c.offering_id == _bookings.c.offering_id, _slots.c.deleted == false(),
                                _slots.c.starts_at > bindparam("now"))
    on_later_slot = exists().where(_slots.c.id == _bookings.c.slot_id, _slots.c.starts_at > bindparam("now"))
    return (select(func.count()).where(
        _bookings.c.person_id == bindparam("person_id"), one_of(_bookings.c.status, ACTIVE),
        or_(and_(_bookings.c.slot_id.is_not(None), on_later_slot), and_(_bookings.c.slot_id.is_(None), later_slot)),
        *conditions).scalar_subquery())


UPCOMING = Prepared(select(_upcoming().label("in_all"),
                           _upcoming(_bookings.c.offering_id == bindparam("offering_id")).label("on_offering")))


def _queue(target: ColumnElement[bool]) -> Prepared:
    """The last queue number (never reused) and how many wait, as two index seeks, not a scan of
    every booking of the slot."""
    last_number = select(func.max(_bookings.c.queue_number)).where(target).scalar_subquery()
    waiting = select(func.count()).where(target, _bookings.c.status == BookingStatus.WAITLISTED).scalar_subquery()
    return Prepared(select(last_number.label("last_number"), waiting.label("waiting")))


QUEUE_ON_COURSE = _queue(and_(_bookings.c.offering_id == bindparam("offering_id"), _bookings.c.slot_id.is_(None)))
BOOKING_VALUES = ("tenant_id", "person_id", "offering_id", "slot_id", "registration_id", "places", "status",
                  "queue_number", "channel", "online", "created_at", "changed_at")
INSERT_BOOKING = Prepared(insert(m.Booking), column_keys=BOOKING_VALUES, returning_id=_bookings.c.id)
INSERT_BOOKING_UNLESS_ACTIVE = Prepared(
    postgresql.insert(m.Booking).on_conflict_do_nothing(
        index_elements=[_bookings.c.slot_id, _bookings.c.person_id], index_where=m.ACTIVE_BOOKING),
    column_keys=BOOKING_VALUES, returning_id=_bookings.c.id)
"""PostgreSQL: the insert, or no row when the person holds an active booking on the slot already
(the unique index sees bookings committed after the checks were read)."""

_SLOT_WIDTH = len(SLOT_COLUMNS)


@dataclass(frozen=True, eq=False)
class SlotView:
    """A front end's own view of the slots it books (BRP's activities), read in the booking's own
    statements, so that it costs no statement of its own:
    - `offers`: which slots it books at all, a condition on the slot, its offering and its product
      (the booking's read joins them); any other slot is not found, before any booking rule;
    - `shows`: what its answer shows of the slot, columns of those rows or subqueries correlated
      with them, returned in that order as BookingFacts.shown.
    The rules read neither. Statements are built once per view: make each view once."""

    offers: ColumnElement[bool]
    shows: tuple[ColumnElement[Any], ...]


class _SlotReads(NamedTuple):
    """The statements that read a booking's slot, its offering's terms and (but the unlocked one)
    the places it holds and the booking's checks, as one view sees the slot (none: plainly)."""

    locked: LockingRead
    """PostgreSQL: the slot locked, in one round trip (ADR 0024). A FOR UPDATE that waited re-reads
    the slot's row as the other booking left it, counters included. The checks are other rows,
    read as of the statement's start, before the wait: a booking of the same person on the slot
    committed during the wait is missed here and refused by the unique index when this one is
    inserted (BookingStore.insert). A course's slot is not locked here (no row): a course locks
    all of its slots in id order."""
    with_checks: Prepared
    """SQLite, under its write lock: one statement instead of four (each costs its own Python
    around SQLite's work)."""
    unlocked: Prepared
    """Before a lock: a course's slot, or a slot the locked read could not take."""
    shown_width: int


def _slot_reads_of(offers: ColumnElement[bool] | None, shows: Sequence[ColumnElement[Any]]) -> _SlotReads:
    shown = [column.label(f"shown_{index}") for index, column in enumerate(shows)]
    seen = _SLOT_AND_TERMS if offers is None else _SLOT_AND_TERMS.where(offers)
    with_checks = seen.add_columns(*HELD_COLUMNS, *CHECK_COLUMNS)
    return _SlotReads(LockingRead.of(with_checks.where(_offerings.c.kind != "course").add_columns(*shown), of=_slots),
                      Prepared(with_checks.add_columns(*shown)), Prepared(seen.add_columns(*shown)), len(shown))


PLAIN_SLOT_READS = _slot_reads_of(None, ())


@cache
def _slot_reads(view: SlotView | None) -> _SlotReads:
    return PLAIN_SLOT_READS if view is None else _slot_reads_of(view.offers, view.shows)


class QueuePlace(NamedTuple):
    number: int  # never reused: a cancelled booking's number stays taken, so the order stays FIFO
    position: int  # 1-based, among those waiting now

    @classmethod
    def after(cls, last_number: int | None, waiting: int) -> QueuePlace:
        return cls(int(last_number or 0) + 1, int(waiting) + 1)


class BookingStore:
    """The rows of bookings, in one unit of work's transaction. `holds_write_lock`: the
    transaction has held SQLite's database write lock since it began (a SQLite write)."""

    def __init__(self, connection: Callable[[], Connection], tenant_id: int, zone: Callable[[int], str], *,
                 holds_write_lock: bool, may_wait: bool = True) -> None:
        self._connection = connection
        self.tenant_id = tenant_id
        self._zone = zone
        self._holds_write_lock = holds_write_lock
        self._may_wait = may_wait  # for a lock another transaction holds (storage.locking.refuse_to_wait)
        self._queues: dict[int, QueuePlace] = {}  # read with the slot's lock, until a booking is added

    def facts(self, person_id: int, *, slot_id: int | None = None, offering_id: int | None = None,
              view: SlotView | None = None) -> BookingFacts:
        """The facts of `person_id` booking a slot (of a course: the whole course) or an offering
        (a course, or an offering of one slot), read under the lock of the slots it would take;
        a slot as `view` sees it (it applies to a slot, not to an offering)."""
        assert view is None or slot_id is not None, "a view is of slots"
        reads = _slot_reads(view)
        if slot_id is not None and self._holds_write_lock:
            found = reads.with_checks.first(self._connection(), {
                "slot_id": slot_id, "tenant_id": self.tenant_id, "person_id": person_id})
            if found is None:
                raise _slot_not_found(slot_id)
            if found.kind == "course":
                return self._course_facts(person_id, found, reads)
            return self._slot_facts(person_id, found, _labelled_slot(found), found, found, reads)
        if slot_id is not None:
            locked = reads.locked.run(self._may_wait).first(self._connection(), {
                "slot_id": slot_id, "tenant_id": self.tenant_id, "person_id": person_id})
            if locked is not None:
                return self._slot_facts(person_id, locked, _labelled_slot(locked), locked, locked, reads)
        terms, slot = self._target(slot_id, offering_id, reads)  # a course's slot, a missing slot, or an offering
        if slot is None or terms.kind == "course":
            return self._course_facts(person_id, terms, reads)
        locked = LOCK_SLOT.run(self._may_wait).first(self._connection(), {"slot_id": slot.id})
        if locked is None:
            refuse_to_wait(0, 1, may_wait=self._may_wait)
            raise _slot_not_found(slot.id)
        return self._slot_facts(person_id, terms, SlotFacts._make(locked[:_SLOT_WIDTH]), locked,
                                self._checks(person_id, slot.id), reads)

    def _checks(self, person_id: int, slot_id: int) -> Any:
        """Read after the slot's lock, in a statement of its own: its snapshot sees every booking
        committed before the lock was granted (ADR 0005)."""
        return CHECKS.first(self._connection(), {"slot_id": slot_id, "tenant_id": self.tenant_id,
                                                 "person_id": person_id})

    def _target(self, slot_id: int | None, offering_id: int | None,
                reads: _SlotReads) -> tuple[Any, SlotFacts | None]:
        """The offering's terms and, unless it is a course, the one slot a booking would take;
        before any lock."""
        connection = self._connection()
        if slot_id is not None:
            found = reads.unlocked.first(connection, {"slot_id": slot_id, "tenant_id": self.tenant_id})
            if found is None:
                raise _slot_not_found(slot_id)
            return found, _labelled_slot(found)
        if offering_id is None:
            raise ValidationError("A slot or an offering is required.", field="slot_id")
        terms = OFFERING_TERMS.first(connection, {"offering_id": offering_id, "tenant_id": self.tenant_id})
        if terms is None:
            raise NotFound(f"Offering {offering_id} not found.", field="offering_id")
        if terms.kind == "course":
            return terms, None
        slots = [SlotFacts._make(row) for row in SLOTS_OF.all(connection, {"offering_id": offering_id})]
        if len(slots) != 1:
            raise ValidationError("This offering has several slots: book one slot.", field="slot_id")
        return terms, slots[0]

    def _slot_facts(self, person_id: int, terms: Any, slot: SlotFacts, held: Any, checks: Any,
                    reads: _SlotReads) -> BookingFacts:
        offering = _offering_facts(terms)
        self._queues[slot.id] = QueuePlace.after(held.last_queue_number, held.waiting_bookings)
        load = SlotLoad(slot.spaces, slot.online_spaces, held.held_confirmed, held.held_reserved)
        active = ActiveBooking(checks.active_id, checks.active_status) if checks.active_id is not None else None
        limits = Limits(terms.tenant_max_upcoming_bookings, offering.max_upcoming_bookings)
        return BookingFacts(person_id, offering, (slot,), slot.id, (load,), checks.person_found is not None, active,
                            limits, self._zone(offering.tenant_id), _shown(terms, reads))

    def _course_facts(self, person_id: int, terms: Any, reads: _SlotReads) -> BookingFacts:
        """A course is booked whole: every slot of it is locked and counted, course bookings included."""
        offering = _offering_facts(terms)
        connection = self._connection()
        slots = self._locked([SlotFacts._make(row) for row in SLOTS_OF.all(connection, {"offering_id": offering.id})])
        loads = Loads(self._connection).for_slots(slots, [offering.id], waiting=False)
        person = PERSON.first(connection, {"person_id": person_id, "tenant_id": self.tenant_id})
        active = ACTIVE_ON_COURSE.first(connection, {"person_id": person_id, "offering_id": offering.id})
        return BookingFacts(
            person_id=person_id, offering=offering, slots=tuple(slots), slot_id=None,
            loads=tuple(loads[slot.id] for slot in slots), person_found=person is not None,
            active=ActiveBooking(*active) if active is not None else None,
            limits=Limits(terms.tenant_max_upcoming_bookings, offering.max_upcoming_bookings),
            zone=self._zone(offering.tenant_id), shown=_shown(terms, reads))

    def _locked(self, slots: Sequence[SlotFacts]) -> list[SlotFacts]:
        """The slots, current and held against concurrent bookings until the transaction ends."""
        if self._holds_write_lock or not slots:
            return list(slots)
        connection = self._connection()
        if len(slots) == 1:
            rows = LOCK_SLOT.run(self._may_wait).all(connection, {"slot_id": slots[0].id})
            by_id = {row.id: SlotFacts._make(row[:_SLOT_WIDTH]) for row in rows}
        else:
            found = connection.execute(LOCK_SLOTS[self._may_wait], {"slot_ids": sorted({slot.id for slot in slots})})
            by_id = {row.id: SlotFacts._make(row) for row in found}
        refuse_to_wait(len(by_id), len({slot.id for slot in slots}), may_wait=self._may_wait)
        return [by_id[slot.id] for slot in slots]

    def upcoming(self, person_id: int, offering_id: int, now: datetime) -> Upcoming:
        """The person's upcoming active bookings, with their row locked (PostgreSQL) so that their
        concurrent bookings on other slots wait for this one and then count it."""
        connection = self._connection()
        if not self._holds_write_lock:
            locked = LOCK_PERSON.run(self._may_wait).all(connection, {"person_id": person_id})
            refuse_to_wait(len(locked), 1, may_wait=self._may_wait)
        found = UPCOMING.all(connection, {"person_id": person_id, "offering_id": offering_id, "now": now})[0]
        return Upcoming(int(found.in_all), int(found.on_offering))

    def queue_place(self, slot_id: int | None, offering_id: int) -> QueuePlace:
        """Where a booking joining the waiting list now would stand: of a slot, as its facts read
        it with the lock; of a course, read under the lock."""
        if slot_id is not None:
            return self._queues[slot_id]
        queue = QUEUE_ON_COURSE.all(self._connection(), {"offering_id": offering_id})[0]
        return QueuePlace.after(queue.last_number, queue.waiting)

    def insert(self, booking: Booking) -> int:
        """The new booking's id (`booking.id` is not read). On PostgreSQL the unique index refuses
        an active booking of the person on the slot that the checks, read before the lock's wait,
        could not see."""
        if booking.slot_id is not None:
            self._queues.pop(booking.slot_id, None)  # what was read of its queue is out of date
        if self._holds_write_lock:
            return INSERT_BOOKING.inserted_id(self._connection(), booking._asdict())
        inserted = INSERT_BOOKING_UNLESS_ACTIVE.first(self._connection(), booking._asdict())
        if inserted is not None:
            return int(inserted[0])
        assert booking.slot_id is not None, "a course booking (no slot) is not in the index"
        checks = self._checks(booking.person_id, booking.slot_id)  # under the slot's lock: it stays active
        refuse_double_booking(ActiveBooking(checks.active_id, checks.active_status))
        raise AssertionError("the index refused a booking the checks then found no other booking for")


def _offering_facts(terms: Any) -> OfferingFacts:
    return OfferingFacts(  # in OfferingFacts' order
        terms.id, terms.tenant_id, terms.kind, terms.disabled,
        bookable_online(terms.bookable_from_internet, terms.product_bookable_from_internet),
        terms.max_num_bookings, terms.waitlist_enabled, terms.auto_promote, terms.max_advance,
        terms.booking_cutoff_minutes, terms.min_cancel, terms.max_upcoming_bookings)


def _shown(row: Any, reads: _SlotReads) -> tuple[Any, ...]:
    return tuple(row[-reads.shown_width:]) if reads.shown_width else ()


def _labelled_slot(row: Any) -> SlotFacts:
    return SlotFacts(row.slot_id, row.slot_offering_id, row.slot_starts_at, row.slot_ends_at, row.slot_spaces,
                     row.slot_online_spaces, row.slot_cancelled)


def _slot_not_found(slot_id: int) -> NotFound:
    return NotFound(f"Slot {slot_id} not found.", field="slot_id")


