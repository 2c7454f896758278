"""Core SQL for the booking hot path (ADR 0005, ADR 0008).

An ORM query costs about ten times a prebuilt Core statement (~400 us against ~35 us per call on
SQLite here), and booking a place runs a handful of them, most under SQLite's write lock. These
statements are built once and compiled once per dialect (storage.prepared); their rows are
read-only records whose attribute names are the ORM models' own (`slot.spaces`,
`offering.max_num_bookings`), so the services read them the same way.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Row, and_, bindparam, false, func, insert, select

from bookable.domain.capacity import SlotLoad
from bookable.storage import models as m
from bookable.storage.prepared import Prepared, one_of
from bookable.storage.repositories import ACTIVE, HOLDING, slot_load

_slots = m.Slot.__table__
_offerings = m.Offering.__table__
_bookings = m.Booking.__table__
_persons = m.Person.__table__
_audit = m.AuditEntry.__table__

SLOT_COLUMNS = tuple(_slots.c[name] for name in (
    "id", "offering_id", "starts_at", "ends_at", "spaces", "online_spaces", "cancelled"))
"""What booking reads of a slot (services.bookings.SlotLike): each column more costs its conversion."""
OFFERING_COLUMNS = tuple(_offerings.c[name] for name in (
    "id", "tenant_id", "kind", "disabled", "bookable_from_internet", "max_num_bookings", "waitlist_enabled",
    "auto_promote", "max_advance", "booking_cutoff_minutes", "min_cancel"))
"""What booking reads of an offering (services.bookings.OfferingLike)."""

SlotRecord = namedtuple("SlotRecord", [column.key for column in SLOT_COLUMNS])  # type: ignore[misc]
OfferingRecord = namedtuple("OfferingRecord", [column.key for column in OFFERING_COLUMNS])  # type: ignore[misc]
SLOT_WITH_OFFERING = Prepared(
    select(*SLOT_COLUMNS, *(column.label(f"o_{column.key}") for column in OFFERING_COLUMNS))
    .join_from(_slots, _offerings, and_(_offerings.c.id == _slots.c.offering_id,
                                        _offerings.c.tenant_id == bindparam("tenant_id"),
                                        _offerings.c.deleted == false()))
    .where(_slots.c.id == bindparam("slot_id"), _slots.c.tenant_id == bindparam("tenant_id"),
           _slots.c.deleted == false()))
"""A slot and its offering in one statement: the booking path reads both, under the write lock."""


def _active_here(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The person's active booking on the slot (at most one: the double-booking check)."""
    return (select(column).where(_bookings.c.person_id == bindparam("person_id"),
                                 _bookings.c.slot_id == bindparam("slot_id"), one_of(_bookings.c.status, ACTIVE))
            .order_by(_bookings.c.id).limit(1).scalar_subquery())


def _held(status: str) -> ColumnElement[Any]:
    return (select(func.coalesce(func.sum(_bookings.c.places), 0))
            .where(_bookings.c.slot_id == bindparam("slot_id"), _bookings.c.status == status).scalar_subquery())


BOOKING_CHECKS = (
    select(_persons.c.id).where(_persons.c.id == bindparam("person_id"), _persons.c.tenant_id == bindparam("tenant_id"))
    .scalar_subquery().label("b_person"),
    _active_here(_bookings.c.id).label("b_active_id"),
    _active_here(_bookings.c.status).label("b_active_status"),
    *(_held(status).label(f"b_{status}") for status in HOLDING),
)
"""What a booking of one slot checks besides the slot: that the person exists, their active booking
on it, and the places held there (storage.repositories.HOLDING)."""
SLOT_FOR_BOOKING = Prepared(SLOT_WITH_OFFERING.statement.add_columns(*BOOKING_CHECKS))  # type: ignore[attr-defined]
"""SLOT_WITH_OFFERING and BOOKING_CHECKS in one statement: under SQLite's write lock, one statement
instead of four (each costs its own Python around SQLite's work)."""
CHECKS_ONLY = Prepared(select(*BOOKING_CHECKS))
"""BOOKING_CHECKS alone, right after the slot's row lock (PostgreSQL): not in the locking statement,
whose snapshot predates the wait for the lock, so it could miss a booking committed meanwhile."""
SLOTS_OF = Prepared(select(*SLOT_COLUMNS)
                    .where(_slots.c.offering_id == bindparam("offering_id"), _slots.c.deleted == false())
                    .order_by(_slots.c.starts_at, _slots.c.id))
SLOT_FOR_UPDATE = Prepared(select(*SLOT_COLUMNS).where(_slots.c.id == bindparam("slot_id")).with_for_update())
SLOTS_FOR_UPDATE = (select(*SLOT_COLUMNS).where(_slots.c.id.in_(bindparam("slot_ids", expanding=True)))
                    .order_by(_slots.c.id).with_for_update())
OFFERING = Prepared(select(*OFFERING_COLUMNS).where(
    _offerings.c.id == bindparam("offering_id"), _offerings.c.tenant_id == bindparam("tenant_id"),
    _offerings.c.deleted == false()))
PERSON = Prepared(select(_persons.c.id).where(
    _persons.c.id == bindparam("person_id"), _persons.c.tenant_id == bindparam("tenant_id")))
_ACTIVE_OF_PERSON = select(_bookings.c.id, _bookings.c.status).where(
    _bookings.c.person_id == bindparam("person_id"), one_of(_bookings.c.status, ACTIVE))
ACTIVE_OF_PERSON_ON_SLOT = Prepared(_ACTIVE_OF_PERSON.where(_bookings.c.slot_id == bindparam("slot_id")).limit(1))
ACTIVE_OF_PERSON_ON_COURSE = Prepared(_ACTIVE_OF_PERSON.where(
    _bookings.c.offering_id == bindparam("offering_id"), _bookings.c.slot_id.is_(None)).limit(1))
def _queue(target: ColumnElement[bool]) -> Prepared:
    """The last queue number (never reused) and how many wait, as two index seeks, not a scan of
    every booking of the slot."""
    last_number = select(func.max(_bookings.c.queue_number)).where(target).scalar_subquery()
    waiting = select(func.count()).where(target, _bookings.c.status == "waitlisted").scalar_subquery()
    return Prepared(select(last_number.label("last_number"), waiting.label("waiting")))


QUEUE_ON_SLOT = _queue(_bookings.c.slot_id == bindparam("slot_id"))
QUEUE_ON_COURSE = _queue(and_(_bookings.c.offering_id == bindparam("offering_id"), _bookings.c.slot_id.is_(None)))
BOOKING_VALUES = ("tenant_id", "person_id", "offering_id", "slot_id", "registration_id", "places", "status",
                  "queue_number", "channel", "created_at", "changed_at")
INSERT_BOOKING = Prepared(insert(_bookings), column_keys=BOOKING_VALUES, returning_id=_bookings.c.id)
AUDIT_VALUES = ("tenant_id", "actor", "channel", "action", "entity", "entity_id", "before", "after", "at")
INSERT_AUDIT = Prepared(insert(_audit), column_keys=AUDIT_VALUES)


class _BookingChecks(NamedTuple):
    """BOOKING_CHECKS as read with a slot, for the one booking of `person_id` on `slot_id`."""

    person_id: int
    slot_id: int
    person_found: bool
    active: Any | None  # (id, status) of the person's active booking on the slot
    load: SlotLoad


class BookingRows:
    """The rows one booking reads and writes, in the unit of work's own transaction.

    `current` says that the transaction has held SQLite's write lock since it began (a write batch):
    what it reads stays true until it writes. Only then may slot() read the booking's checks with
    the slot (booking_for()). Elsewhere (PostgreSQL) they are read by lock_slots(), in a statement
    of their own right after the slot's row lock, so that they see every booking committed before
    it. Either way they are answered once, and forgotten at the next write."""

    def __init__(self, connection: Callable[[], Connection], tenant_id: int, *, current: bool = False) -> None:
        self._connection = connection
        self.tenant_id = tenant_id
        self._current = current
        self._offerings_read: dict[int, Any] = {}
        self._booking_person: int | None = None
        self._checks: _BookingChecks | None = None

    def booking_for(self, person_id: int | None) -> None:
        """The next slot() read (when current), or else the next lock of one slot, is for a booking
        by this person: read its checks with it."""
        self._booking_person = person_id

    def slot(self, slot_id: int) -> Any | None:
        """The slot, if it and its offering are the tenant's and not deleted; its offering is read in
        the same statement, and offering() answers from it for the rest of this transaction."""
        self._checks = None
        person_id = self._booking_person if self._current else None
        if self._current:
            self._booking_person = None
        params = {"slot_id": slot_id, "tenant_id": self.tenant_id}
        if person_id is None:
            found = SLOT_WITH_OFFERING.first(self._connection(), params)
        else:
            found = SLOT_FOR_BOOKING.first(self._connection(), {**params, "person_id": person_id})
        if found is None:
            return None
        width, checks = len(SLOT_COLUMNS), len(OFFERING_COLUMNS) + len(SLOT_COLUMNS)
        offering: Any = OfferingRecord._make(found[width:checks])
        self._offerings_read[offering.id] = offering
        slot = SlotRecord._make(found[:width])
        if person_id is not None:
            self._checks = _checks_read(person_id, slot, found[checks:])
        return slot

    def slots_of(self, offering_id: int) -> list[Any]:
        return SLOTS_OF.all(self._connection(), {"offering_id": offering_id})

    def offering(self, offering_id: int) -> Any | None:
        read_with_its_slot = self._offerings_read.get(offering_id)
        if read_with_its_slot is not None:
            return read_with_its_slot
        return OFFERING.first(self._connection(), {"offering_id": offering_id, "tenant_id": self.tenant_id})

    def person_exists(self, person_id: int) -> bool:
        if self._checks is not None and self._checks.person_id == person_id:
            return self._checks.person_found
        return PERSON.first(self._connection(), {"person_id": person_id, "tenant_id": self.tenant_id}) is not None

    def lock_slots(self, slot_ids: Sequence[int]) -> list[Any]:
        """Re-read the slots under the lock (FOR UPDATE on PostgreSQL; on SQLite the unit of work
        already holds the database write lock, and FOR UPDATE is not rendered). A booking of one
        slot reads its checks next (booking_for()): one statement instead of three."""
        ids = sorted(set(slot_ids))
        person_id, self._booking_person = self._booking_person, None
        if len(ids) == 1:
            locked = SLOT_FOR_UPDATE.all(self._connection(), {"slot_id": ids[0]})
            if person_id is not None and locked:
                params = {"person_id": person_id, "slot_id": ids[0], "tenant_id": self.tenant_id}
                self._checks = _checks_read(person_id, locked[0], CHECKS_ONLY.all(self._connection(), params)[0])
            return locked
        rows: list[Row[Any]] = list(self._connection().execute(SLOTS_FOR_UPDATE, {"slot_ids": ids})) if ids else []
        return rows

    def active_of_person(self, person_id: int, slot_id: int | None, offering_id: int) -> Any | None:
        checks = self._checks
        if checks is not None and (checks.person_id, checks.slot_id) == (person_id, slot_id):
            return checks.active
        if slot_id is not None:
            return ACTIVE_OF_PERSON_ON_SLOT.first(self._connection(), {"person_id": person_id, "slot_id": slot_id})
        params = {"person_id": person_id, "offering_id": offering_id}
        return ACTIVE_OF_PERSON_ON_COURSE.first(self._connection(), params)

    def next_in_queue(self, slot_id: int | None, offering_id: int) -> tuple[int, int]:
        """(queue number, 1-based position) of a booking joining the waiting list now: numbers are
        never reused, so a cancelled booking's number stays taken and the order stays first come,
        first served. Read under the lock, in one statement."""
        if slot_id is not None:
            statement, params = QUEUE_ON_SLOT, {"slot_id": slot_id}
        else:
            statement, params = QUEUE_ON_COURSE, {"offering_id": offering_id}
        queue = statement.first(self._connection(), params)
        return int(queue.last_number or 0) + 1, int(queue.waiting) + 1

    def load_read(self, slot_id: int) -> SlotLoad | None:
        """The places held on the slot, if read with it for this booking (waiting left out)."""
        checks = self._checks
        return checks.load if checks is not None and checks.slot_id == slot_id else None

    def insert_booking(self, values: dict[str, Any]) -> int:
        self._checks = None
        return INSERT_BOOKING.inserted_id(self._connection(), values)

    def insert_audit(self, values: dict[str, Any]) -> None:
        INSERT_AUDIT.all(self._connection(), values)


_Active = namedtuple("_Active", ["id", "status"])


def _checks_read(person_id: int, slot: Any, values: Sequence[Any]) -> _BookingChecks:
    found, active_id, active_status, *held = values
    counts = dict(zip(HOLDING, (int(places) for places in held), strict=True))
    return _BookingChecks(
        person_id=person_id, slot_id=slot.id, person_found=found is not None,
        active=_Active(active_id, active_status) if active_id is not None else None, load=slot_load(slot, counts))
