"""How full slots are: the places held and waiting on each. A slot's own bookings are counted on its
row (storage.slot_counters, kept by the database in the statement that changes a booking); a
whole course's bookings, which hold a place on every slot of it, are summed per offering."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Select, bindparam, func, select

from bookable.domain.booking import ACTIVE, HOLDING, BookingStatus
from bookable.domain.capacity import SlotLoad
from bookable.storage import models as m
from bookable.storage.prepared import Prepared


class Loads:
    """How full slots are: the slots' counters, plus their courses' bookings."""

    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def for_slots(
        self, slots: Sequence[SlotLike], course_offering_ids: Iterable[int] = (), *, waiting: bool = True
    ) -> dict[int, SlotLoad]:
        """waiting=False leaves the waiting list out (every load's `waiting` is 0): all that a
        decision on free places needs, and it reads the places held, not every waiting booking."""
        statuses = ACTIVE if waiting else HOLDING
        counts: dict[int, dict[str, int]] = {slot.id: defaultdict(int) for slot in slots}
        connection = self._connection()
        if len(slots) == 1:
            rows: Iterable[Any] = _COUNTERS_OF_SLOT.all(connection, {"slot_id": slots[0].id})
        else:
            rows = connection.execute(_COUNTERS_OF_SLOTS, {"slot_ids": list(counts)}) if slots else ()
        for slot_id, confirmed, reserved, waiting_places in rows:
            held = counts[slot_id]
            held[BookingStatus.CONFIRMED] += confirmed
            held[BookingStatus.RESERVED] += reserved
            if waiting:
                held[BookingStatus.WAITLISTED] += waiting_places
        self._add_course_bookings(connection, slots, set(course_offering_ids), counts, statuses)
        return {slot.id: slot_load(slot, counts[slot.id]) for slot in slots}

    def _add_course_bookings(
        self, connection: Connection, slots: Sequence[SlotLike], course_ids: set[int],
        counts: dict[int, dict[str, int]], statuses: tuple[str, ...]
    ) -> None:
        if not course_ids:
            return
        per_offering: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        course_loads = connection.execute(_course_loads(statuses), {"offering_ids": sorted(course_ids)})
        for offering_id, status, places in course_loads:
            per_offering[offering_id][status] += int(places)
        for slot in slots:
            for status, places in per_offering.get(slot.offering_id, {}).items():
                counts[slot.id][status] += places


_bookings = m.Booking.__table__
_slots = m.Slot.__table__
_COUNTER_COLUMNS = (_slots.c.id, _slots.c.held_confirmed, _slots.c.held_reserved, _slots.c.waiting_places)
_COUNTERS_OF_SLOT = Prepared(select(*_COUNTER_COLUMNS).where(_slots.c.id == bindparam("slot_id")))
_COUNTERS_OF_SLOTS = select(*_COUNTER_COLUMNS).where(_slots.c.id.in_(bindparam("slot_ids", expanding=True)))


@functools.cache
def _course_loads(statuses: tuple[str, ...]) -> Select[Any]:
    return (
        select(_bookings.c.offering_id, _bookings.c.status, func.sum(_bookings.c.places))
        .where(_bookings.c.offering_id.in_(bindparam("offering_ids", expanding=True)),
               _bookings.c.slot_id.is_(None), _bookings.c.status.in_(statuses))
        .group_by(_bookings.c.offering_id, _bookings.c.status)
    )


class SlotLike(Protocol):
    """An ORM slot or a Core row of one (storage.booking_rows): what counting places reads."""

    @property
    def id(self) -> int: ...
    @property
    def offering_id(self) -> int: ...
    @property
    def spaces(self) -> int: ...
    @property
    def online_spaces(self) -> int | None: ...


def slot_load(slot: SlotLike, counts: dict[str, int]) -> SlotLoad:
    return SlotLoad(
        spaces=slot.spaces,
        online_spaces=slot.online_spaces,
        confirmed=counts.get(BookingStatus.CONFIRMED, 0),
        reserved=counts.get(BookingStatus.RESERVED, 0),
        waiting=counts.get(BookingStatus.WAITLISTED, 0),
    )


