from datetime import UTC, datetime, timedelta

import pytest

from bookable.domain.errors import CancellationTooLate, OutsideBookingWindow
from bookable.domain.windows import booking_window, cancellation_deadline, check_can_book, check_can_cancel

STOCKHOLM = "Europe/Stockholm"
# 2026-03-31 18:00 CEST, two days after the spring change
START = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def test_booking_opens_max_advance_wall_clock_days_before_across_a_dst_change():
    window = booking_window(START, max_advance_days=7, cutoff_minutes=0, zone=STOCKHOLM)
    # 2026-03-24 18:00 CET is 17:00 UTC: the same local time a week earlier, one hour later in UTC
    assert window.earliest == datetime(2026, 3, 24, 17, 0, tzinfo=UTC)
    assert window.latest == START


def test_without_max_advance_booking_is_open_until_the_cutoff():
    window = booking_window(START, max_advance_days=None, cutoff_minutes=30, zone=STOCKHOLM)
    assert window.earliest is None
    assert window.latest == START - timedelta(minutes=30)
    assert window.is_open(START - timedelta(days=400))
    assert not window.is_open(START - timedelta(minutes=29))


def test_members_cannot_book_outside_the_window_but_staff_may_override():
    window = booking_window(START, max_advance_days=2, cutoff_minutes=0, zone=STOCKHOLM)
    too_early = START - timedelta(days=3)
    with pytest.raises(OutsideBookingWindow, match="not opened"):
        check_can_book(window, too_early, override=False)
    with pytest.raises(OutsideBookingWindow, match="closed"):
        check_can_book(window, START + timedelta(minutes=1), override=False)
    check_can_book(window, too_early, override=True)


def test_cancellation_closes_min_cancel_days_before_start():
    deadline = cancellation_deadline(START, min_cancel_days=1, zone=STOCKHOLM)
    assert deadline == START - timedelta(days=1)
    check_can_cancel(deadline, deadline, override=False)
    with pytest.raises(CancellationTooLate):
        check_can_cancel(deadline, deadline + timedelta(seconds=1), override=False)
    check_can_cancel(deadline, START, override=True)
