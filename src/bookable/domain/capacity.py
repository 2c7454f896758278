"""Capacity of a slot and who the waiting list promotes: pure rules, no storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SlotLoad:
    """How full one slot is. Reserved (unconfirmed) places count against capacity."""

    spaces: int
    online_spaces: int | None
    confirmed: int = 0
    reserved: int = 0
    waiting: int = 0

    @property
    def held(self) -> int:
        return self.confirmed + self.reserved

    @property
    def bookable_online(self) -> int:
        """Places the internet may fill (BRP bookableslots); never more than spaces."""
        if self.online_spaces is None:
            return self.spaces
        return min(self.online_spaces, self.spaces)

    def available_places(self, *, online: bool = False) -> int:
        ceiling = self.bookable_online if online else self.spaces
        return max(0, ceiling - self.held)

    def can_book(self, places: int, *, online: bool = False) -> bool:
        return places <= self.available_places(online=online)


def course_available_places(loads: Sequence[SlotLoad], *, online: bool = False) -> int:
    """A course booking holds a place on every slot, so the fullest slot decides."""
    if not loads:
        return 0
    return min(load.available_places(online=online) for load in loads)


@dataclass(frozen=True)
class Waiting:
    booking_id: int
    places: int
    online: bool = False  # joined by the member themself: online capacity applies to it


def promotions(loads: Sequence[SlotLoad], queue: Sequence[Waiting]) -> list[int]:
    """The waiting bookings to promote, in FIFO order, into the places free on every slot of
    `loads` (one slot, or every slot of a course).

    Each waiting booking that fits in what is still free is promoted; one that does not fit is
    skipped (it keeps its position) and the queue goes on, so a party of four never blocks a
    single place that a later booking could take. A booking its member made online is promoted
    only into places bookable online, as it could have been booked: a freed place that only
    staff may fill goes to a booking staff made, or stays free (docs/adr/0003).
    """
    free = course_available_places(loads)
    free_online = course_available_places(loads, online=True)
    promoted: list[int] = []
    for waiting in queue:
        if free <= 0:
            break
        if waiting.places <= (free_online if waiting.online else free):
            promoted.append(waiting.booking_id)
            free -= waiting.places
            free_online -= waiting.places
    return promoted
