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
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, bindparam, false, func, insert, select

from bookable.storage import models as m
from bookable.storage.prepared import Prepared, one_of
from bookable.storage.repositories import ACTIVE

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
INSERT_BOOKING = Prepared(insert(_bookings).returning(_bookings.c.id), column_keys=BOOKING_VALUES)
AUDIT_VALUES = ("tenant_id", "actor", "channel", "action", "entity", "entity_id", "before", "after", "at")
INSERT_AUDIT = Prepared(insert(_audit), column_keys=AUDIT_VALUES)


class BookingRows:
    """The rows one booking reads and writes, in the unit of work's own transaction."""

    def __init__(self, connection: Callable[[], Connection], tenant_id: int) -> None:
        self._connection = connection
        self.tenant_id = tenant_id
        self._offerings_read: dict[int, Any] = {}

    def slot(self, slot_id: int) -> Any | None:
        """The slot, if it and its offering are the tenant's and not deleted; its offering is read in
        the same statement, and offering() answers from it for the rest of this transaction."""
        found = SLOT_WITH_OFFERING.first(self._connection(), {"slot_id": slot_id, "tenant_id": self.tenant_id})
        if found is None:
            return None
        width = len(SLOT_COLUMNS)
        offering: Any = OfferingRecord._make(found[width:])
        self._offerings_read[offering.id] = offering
        return SlotRecord._make(found[:width])

    def slots_of(self, offering_id: int) -> list[Any]:
        return SLOTS_OF.all(self._connection(), {"offering_id": offering_id})

    def offering(self, offering_id: int) -> Any | None:
        read_with_its_slot = self._offerings_read.get(offering_id)
        if read_with_its_slot is not None:
            return read_with_its_slot
        return OFFERING.first(self._connection(), {"offering_id": offering_id, "tenant_id": self.tenant_id})

    def person_exists(self, person_id: int) -> bool:
        return PERSON.first(self._connection(), {"person_id": person_id, "tenant_id": self.tenant_id}) is not None

    def lock_slots(self, slot_ids: Sequence[int]) -> list[Any]:
        """Re-read the slots under the lock (FOR UPDATE on PostgreSQL; on SQLite the unit of work
        already holds the database write lock, and FOR UPDATE is not rendered)."""
        ids = sorted(set(slot_ids))
        if len(ids) == 1:
            return SLOT_FOR_UPDATE.all(self._connection(), {"slot_id": ids[0]})
        rows: list[Row[Any]] = list(self._connection().execute(SLOTS_FOR_UPDATE, {"slot_ids": ids})) if ids else []
        return rows

    def active_of_person(self, person_id: int, slot_id: int | None, offering_id: int) -> Any | None:
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

    def insert_booking(self, values: dict[str, Any]) -> int:
        return int(INSERT_BOOKING.first(self._connection(), values).id)

    def insert_audit(self, values: dict[str, Any]) -> None:
        INSERT_AUDIT.all(self._connection(), values)
