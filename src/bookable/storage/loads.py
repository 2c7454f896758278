"""How full slots are: the places held and waiting on each, counted from the bookings (the only
source of truth)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Select, bindparam, func, select

from bookable.domain.booking import ACTIVE, HOLDING, BookingStatus
from bookable.domain.capacity import SlotLoad
from bookable.storage import models as m
from bookable.storage.prepared import Prepared, one_of


class Loads:
    """How full slots are, counted from bookings (the only source of truth)."""

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
            for row in _direct_loads_on_slot(statuses).all(connection, {"slot_id": slots[0].id}):
                counts[slots[0].id][row.status] += int(row.places)
        elif slots:
            for slot_id, status, places in connection.execute(_direct_loads(statuses), {"slot_ids": list(counts)}):
                counts[slot_id][status] += int(places)
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


@functools.cache
def _direct_loads(statuses: tuple[str, ...]) -> Select[Any]:
    return (
        select(_bookings.c.slot_id, _bookings.c.status, func.sum(_bookings.c.places))
        .where(_bookings.c.slot_id.in_(bindparam("slot_ids", expanding=True)), _bookings.c.status.in_(statuses))
        .group_by(_bookings.c.slot_id, _bookings.c.status)
    )


@functools.cache
def _direct_loads_on_slot(statuses: tuple[str, ...]) -> Prepared:
    return Prepared(
        select(_bookings.c.status, func.sum(_bookings.c.places).label("places"))
        .where(_bookings.c.slot_id == bindparam("slot_id"), one_of(_bookings.c.status, statuses))
        .group_by(_bookings.c.status)
    )


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


