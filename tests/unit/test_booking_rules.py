"""The booking rulebook (domain.booking) decided from facts alone: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.booking import (
    ActiveBooking,
    BookingFacts,
    BookingRequest,
    BookingStatus,
    Limits,
    OfferingFacts,
    SlotFacts,
    Upcoming,
    Waitlist,
    bookable_online,
    booking_person,
    check_can_cancel,
    decide_booking,
    limits_apply,
    promotion_open,
)
from bookable.domain.capacity import SlotLoad
from bookable.domain.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    BookingLimitReached,
    CancellationTooLate,
    InvalidState,
    NotAllowed,
    NotFound,
    OfferingDisabled,
    OutsideBookingWindow,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
    ValidationError,
    WaitingListClosed,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MEMBER = Actor(1, "anna", Role.MEMBER, Channel.BRP, person_id=7)
STAFF = Actor(1, "desk", Role.STAFF, Channel.NATIVE)


def offering(**changes: object) -> OfferingFacts:
    values: dict[str, object] = dict(
        id=3, tenant_id=1, kind="recurring", disabled=False, bookable_from_internet=True, max_num_bookings=2,
        waitlist_enabled=True, auto_promote=True, max_advance=14, booking_cutoff_minutes=0, min_cancel=1,
        max_upcoming_bookings=None)
    values.update(changes)
    return OfferingFacts(**values)  # type: ignore[arg-type]


def facts(*, spaces: int = 10, online: int | None = None, held: int = 0, starts_in: timedelta = timedelta(days=2),
          active: ActiveBooking | None = None, limits: Limits = Limits(None, None), cancelled: bool = False,
          person_found: bool = True, **offering_changes: object) -> BookingFacts:
    start = NOW + starts_in
    slot = SlotFacts(5, 3, start, start + timedelta(hours=1), spaces, online, cancelled)
    return BookingFacts(person_id=7, offering=offering(**offering_changes), slots=(slot,), slot_id=5,
                        loads=(SlotLoad(spaces, online, confirmed=held),), person_found=person_found,
                        active=active, limits=limits, zone="Europe/Stockholm")


def decide(actor: Actor, booking_facts: BookingFacts, upcoming: Upcoming | None = None,
           **request: object) -> BookingStatus:
    return decide_booking(actor, booking_facts, BookingRequest(**request), NOW, upcoming)  # type: ignore[arg-type]


def test_a_free_place_is_booked_confirmed_or_reserved_as_asked():
    assert decide(MEMBER, facts()) is BookingStatus.CONFIRMED
    assert decide(STAFF, facts(), confirmed=False) is BookingStatus.RESERVED


def test_a_full_slot_refuses_unless_the_waiting_list_is_asked_for_and_open():
    with pytest.raises(SlotFull):
        decide(MEMBER, facts(held=10))
    assert decide(MEMBER, facts(held=10), waitlist=Waitlist.IF_FULL) is BookingStatus.WAITLISTED
    with pytest.raises(WaitingListClosed):
        decide(MEMBER, facts(held=10, waitlist_enabled=False), waitlist=Waitlist.IF_FULL)


def test_members_are_held_to_online_capacity_and_staff_to_the_whole():
    full_online = facts(spaces=10, online=4, held=4)
    with pytest.raises(SlotFull):
        decide(MEMBER, full_online)
    assert decide(STAFF, full_online) is BookingStatus.CONFIRMED


def test_places_per_booking_stay_within_the_offerings_maximum():
    assert decide(STAFF, facts(), places=2) is BookingStatus.CONFIRMED
    with pytest.raises(TooManyPlaces):
        decide(STAFF, facts(), places=3)
    with pytest.raises(TooManyPlaces):
        decide(STAFF, facts(), places=0)


def test_the_booking_window_binds_members_and_staff_may_override_it():
    too_early = facts(starts_in=timedelta(days=30))
    with pytest.raises(OutsideBookingWindow):
        decide(MEMBER, too_early)
    with pytest.raises(OutsideBookingWindow):
        decide(MEMBER, too_early, override_window=True)
    assert decide(STAFF, too_early, override_window=True) is BookingStatus.CONFIRMED
    with pytest.raises(OutsideBookingWindow):
        decide(STAFF, facts(starts_in=-timedelta(minutes=1)))


def test_cancelled_slots_disabled_and_offline_offerings_are_refused_to_members():
    with pytest.raises(SlotCancelled):
        decide(STAFF, facts(cancelled=True))
    with pytest.raises(OfferingDisabled):
        decide(MEMBER, facts(disabled=True))
    assert decide(STAFF, facts(disabled=True)) is BookingStatus.CONFIRMED
    with pytest.raises(OfferingDisabled):
        decide(MEMBER, facts(bookable_from_internet=False))


def test_an_offering_is_bookable_online_only_if_its_product_is_too():
    assert bookable_online(True, None) and bookable_online(True, True)
    assert not bookable_online(True, False) and not bookable_online(False, True)


def test_a_person_holds_one_active_booking_per_slot():
    with pytest.raises(AlreadyBooked):
        decide(MEMBER, facts(active=ActiveBooking(9, "confirmed")))
    with pytest.raises(AlreadyWaitlisted):
        decide(MEMBER, facts(active=ActiveBooking(9, "waitlisted")))


def test_an_unknown_person_is_not_found():
    with pytest.raises(NotFound):
        decide(STAFF, facts(person_found=False))


def test_members_book_for_themselves_and_staff_name_the_person():
    assert booking_person(MEMBER, None) == 7
    assert booking_person(MEMBER, 7) == 7
    with pytest.raises(NotAllowed):
        booking_person(MEMBER, 8)
    with pytest.raises(ValidationError):
        booking_person(STAFF, None)


def test_a_member_at_the_tenants_limit_is_refused_and_staff_are_not_bound():
    limited = facts(limits=Limits(tenant=2, offering=None))
    assert limits_apply(MEMBER, limited) and not limits_apply(STAFF, limited)
    assert decide(MEMBER, limited, Upcoming(1, 0)) is BookingStatus.CONFIRMED
    with pytest.raises(BookingLimitReached):
        decide(MEMBER, limited, Upcoming(2, 0))
    assert decide(STAFF, limited) is BookingStatus.CONFIRMED


def test_the_offerings_limit_counts_only_its_own_bookings():
    limited = facts(limits=Limits(tenant=None, offering=1))
    assert decide(MEMBER, limited, Upcoming(5, 0)) is BookingStatus.CONFIRMED
    with pytest.raises(BookingLimitReached):
        decide(MEMBER, limited, Upcoming(5, 1))


def test_joining_a_waiting_list_counts_against_the_limit_too():
    with pytest.raises(BookingLimitReached):
        decide(MEMBER, facts(held=10, limits=Limits(1, None)), Upcoming(1, 0), waitlist=Waitlist.IF_FULL)


def test_a_place_is_given_up_before_the_deadline_and_a_waiting_place_any_time():
    start = NOW + timedelta(hours=12)
    with pytest.raises(CancellationTooLate):
        check_can_cancel(MEMBER, "confirmed", start, min_cancel_days=1, zone="UTC", now=NOW, override_window=False)
    check_can_cancel(STAFF, "confirmed", start, min_cancel_days=1, zone="UTC", now=NOW, override_window=True)
    check_can_cancel(MEMBER, "waitlisted", start, min_cancel_days=1, zone="UTC", now=NOW, override_window=False)
    with pytest.raises(InvalidState):
        check_can_cancel(STAFF, "cancelled", start, min_cancel_days=0, zone="UTC", now=NOW, override_window=True)


def test_freed_places_promote_only_before_the_start_of_a_running_slot():
    later = NOW + timedelta(hours=1)
    assert promotion_open(True, later, False, NOW)
    assert not promotion_open(False, later, False, NOW)
    assert not promotion_open(True, NOW - timedelta(minutes=1), False, NOW)
    assert not promotion_open(True, later, True, NOW)
