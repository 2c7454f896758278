"""What a member can do now with one slot (or a whole course), by the engine's own rules: the same
windows (domain.windows) and capacity (domain.capacity) that services.bookings.book and cancel
apply, read in the order they apply them. A front end shows the answer; it decides nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bookable.domain.money import ZERO, Balance
from bookable.domain.windows import BookingWindow


class Choice(StrEnum):
    BOOK = "book"
    JOIN_WAITING_LIST = "join_waiting_list"
    FULL = "full"
    NOT_OPEN_YET = "not_open_yet"
    TOO_LATE = "too_late"
    CANCELLED = "cancelled"
    NOT_ONLINE = "not_online"
    BOOKED = "booked"
    WAITING = "waiting"


@dataclass(frozen=True)
class Situation:
    """What the rules read about one slot or course, and the member's own booking of it."""

    window: BookingWindow
    cancel_deadline: datetime
    free_places: int
    """Places a member may still book online (SlotLoad.available_places(online=True))."""
    waiting_bookings: int
    cancelled: bool = False
    open_online: bool = True
    """Neither disabled nor closed to internet bookings."""
    waiting_list: bool = True
    own_status: str | None = None
    """The member's active booking: confirmed, reserved, waitlisted, or None."""


@dataclass(frozen=True)
class Options:
    choice: Choice
    opens_at: datetime | None = None
    can_cancel: bool = False
    cancel_until: datetime | None = None
    position_if_joining: int | None = None


def member_options(situation: Situation, now: datetime) -> Options:
    """A member's own booking first (they hold it whatever else changed), then the checks of
    book(): cancelled, open online, window, places, waiting list."""
    if situation.own_status is not None:
        return own_booking_options(situation.own_status, situation.cancel_deadline, now)
    if situation.cancelled:
        return Options(Choice.CANCELLED)
    if not situation.open_online:
        return Options(Choice.NOT_ONLINE)
    window = situation.window
    if window.earliest is not None and now < window.earliest:
        return Options(Choice.NOT_OPEN_YET, opens_at=window.earliest)
    if not window.is_open(now):
        return Options(Choice.TOO_LATE)
    if situation.free_places >= 1:
        return Options(Choice.BOOK)
    if situation.waiting_list:
        return Options(Choice.JOIN_WAITING_LIST, position_if_joining=situation.waiting_bookings + 1)
    return Options(Choice.FULL)


def own_booking_options(status: str, cancel_deadline: datetime, now: datetime) -> Options:
    """A waiting-list place may be left at any time; a held place until the cancellation deadline
    (services.bookings.cancel checks the deadline only for places held); a cancelled one, never."""
    if status == "waitlisted":
        return Options(Choice.WAITING, can_cancel=True)
    if status == "cancelled":
        return Options(Choice.CANCELLED)
    return Options(Choice.BOOKED, can_cancel=now <= cancel_deadline, cancel_until=cancel_deadline)


def amount_owed(price: Decimal | None, places: int, paid: Balance) -> Decimal:
    """What a booking still owes: its price for every place, less what the ledger holds for it.
    Never negative (an overpayment owes nothing); nothing for a free booking."""
    if price is None:
        return ZERO
    return max(ZERO, price * places - paid.held)
