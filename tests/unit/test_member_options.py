from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookable.domain.errors import CancellationTooLate, OutsideBookingWindow
from bookable.domain.member_options import Choice, Situation, amount_owed, member_options, own_booking_options
from bookable.domain.money import ZERO, Balance
from bookable.domain.windows import booking_window, cancellation_deadline, check_can_book, check_can_cancel

STOCKHOLM = "Europe/Stockholm"
START = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 18:00 CEST, two days after the spring change
WINDOW = booking_window(START, max_advance_days=14, cutoff_minutes=15, zone=STOCKHOLM)
DEADLINE = cancellation_deadline(START, min_cancel_days=1, zone=STOCKHOLM)
OPEN = START - timedelta(days=2)


def situation(**changes: object) -> Situation:
    values: dict[str, object] = dict(window=WINDOW, cancel_deadline=DEADLINE, free_places=3, waiting_bookings=0)
    values.update(changes)
    return Situation(**values)  # type: ignore[arg-type]


def test_a_class_with_free_places_in_its_window_can_be_booked():
    assert member_options(situation(), OPEN).choice is Choice.BOOK


def test_a_full_class_offers_its_waiting_list_with_the_place_the_member_would_take():
    options = member_options(situation(free_places=0, waiting_bookings=2), OPEN)
    assert (options.choice, options.position_if_joining) == (Choice.JOIN_WAITING_LIST, 3)


def test_a_full_class_without_a_waiting_list_is_full():
    assert member_options(situation(free_places=0, waiting_list=False), OPEN).choice is Choice.FULL


def test_before_the_window_the_member_is_told_when_booking_opens_in_wall_clock_days():
    options = member_options(situation(), START - timedelta(days=20))
    assert options.choice is Choice.NOT_OPEN_YET
    assert options.opens_at == datetime(2026, 3, 17, 17, 0, tzinfo=UTC)  # 18:00 CET, 14 local days before


def test_after_the_cutoff_it_is_too_late_to_book_even_with_free_places():
    assert member_options(situation(), START - timedelta(minutes=10)).choice is Choice.TOO_LATE


def test_a_cancelled_class_says_so_before_anything_else_but_the_members_own_booking():
    assert member_options(situation(cancelled=True), OPEN).choice is Choice.CANCELLED
    assert member_options(situation(cancelled=True, own_status="confirmed"), OPEN).choice is Choice.BOOKED


def test_a_class_closed_to_internet_bookings_cannot_be_booked_online():
    assert member_options(situation(open_online=False), OPEN).choice is Choice.NOT_ONLINE


def test_a_held_place_can_be_cancelled_until_the_deadline_and_not_after():
    before = member_options(situation(own_status="confirmed"), DEADLINE)
    after = member_options(situation(own_status="reserved"), DEADLINE + timedelta(seconds=1))
    assert (before.choice, before.can_cancel, before.cancel_until) == (Choice.BOOKED, True, DEADLINE)
    assert (after.choice, after.can_cancel) == (Choice.BOOKED, False)


def test_a_waiting_list_place_can_always_be_left():
    options = member_options(situation(own_status="waitlisted"), START + timedelta(hours=1))
    assert (options.choice, options.can_cancel) == (Choice.WAITING, True)


@given(offset_minutes=st.integers(min_value=-30 * 24 * 60, max_value=24 * 60), free=st.integers(0, 3),
       own=st.sampled_from([None, "confirmed", "waitlisted"]))
def test_the_options_agree_with_the_checks_booking_and_cancelling_make(offset_minutes, free, own):
    now = START + timedelta(minutes=offset_minutes)
    options = member_options(situation(free_places=free, own_status=own), now)
    if options.choice in (Choice.BOOK, Choice.JOIN_WAITING_LIST):
        check_can_book(WINDOW, now, override=False)
    if options.choice in (Choice.NOT_OPEN_YET, Choice.TOO_LATE):
        with pytest.raises(OutsideBookingWindow):
            check_can_book(WINDOW, now, override=False)
    if options.choice is Choice.BOOKED and options.can_cancel:
        check_can_cancel(DEADLINE, now, override=False)
    if options.choice is Choice.BOOKED and not options.can_cancel:
        with pytest.raises(CancellationTooLate):
            check_can_cancel(DEADLINE, now, override=False)


def test_a_booking_owes_its_price_per_place_less_what_its_ledger_holds():
    paid = Balance(paid=Decimal("20.00"), refunded=Decimal("5.00"), credited=ZERO)
    assert amount_owed(Decimal("20.00"), 2, paid) == Decimal("25.00")
    assert amount_owed(Decimal("10.00"), 1, paid) == ZERO
    assert amount_owed(None, 3, paid) == ZERO


def test_a_cancelled_booking_offers_nothing_to_do():
    options = own_booking_options("cancelled", DEADLINE, OPEN)
    assert (options.choice, options.can_cancel) == (Choice.CANCELLED, False)
