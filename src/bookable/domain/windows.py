"""Booking and cancellation windows (DESIGN section 3), in the tenant's wall-clock time.

Day counts are wall-clock days: a class at 18:00 with max_advance 7 opens at 18:00 local time a
week before, whatever daylight saving did in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bookable.domain.errors import CancellationTooLate, OutsideBookingWindow


def _days_before(start: datetime, days: int, zone: str) -> datetime:
    local = start.astimezone(ZoneInfo(zone))
    return (local - timedelta(days=days)).astimezone(UTC)


@dataclass(frozen=True)
class BookingWindow:
    earliest: datetime | None
    latest: datetime

    def is_open(self, now: datetime) -> bool:
        return (self.earliest is None or now >= self.earliest) and now <= self.latest


def booking_window(start: datetime, *, max_advance_days: int | None, cutoff_minutes: int, zone: str) -> BookingWindow:
    earliest = None if max_advance_days is None else _days_before(start, max_advance_days, zone)
    return BookingWindow(earliest=earliest, latest=start - timedelta(minutes=cutoff_minutes))


def cancellation_deadline(start: datetime, *, min_cancel_days: int, zone: str) -> datetime:
    return _days_before(start, min_cancel_days, zone)


def check_can_book(window: BookingWindow, now: datetime, *, override: bool) -> None:
    if override or window.is_open(now):
        return
    if window.earliest is not None and now < window.earliest:
        raise OutsideBookingWindow("Booking has not opened yet for this slot.")
    raise OutsideBookingWindow("Booking has closed for this slot.")


def check_can_cancel(deadline: datetime, now: datetime, *, override: bool) -> None:
    if not override and now > deadline:
        raise CancellationTooLate("It is too late to cancel this booking.")
