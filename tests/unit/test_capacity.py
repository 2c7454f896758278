import pytest

from bookable.domain.capacity import SlotLoad, Waiting, course_available_places, promotions


def test_reserved_places_count_against_capacity():
    load = SlotLoad(spaces=5, online_spaces=None, confirmed=2, reserved=2)
    assert load.held == 4
    assert load.available_places() == 1
    assert load.can_book(1) and not load.can_book(2)


def test_online_bookings_are_capped_by_online_spaces_but_staff_are_not():
    load = SlotLoad(spaces=10, online_spaces=6, confirmed=6)
    assert load.available_places(online=True) == 0
    assert load.available_places(online=False) == 4


def test_online_spaces_never_exceed_total_spaces():
    assert SlotLoad(spaces=3, online_spaces=8).bookable_online == 3


def test_an_overfull_slot_reports_zero_not_negative_places():
    assert SlotLoad(spaces=2, online_spaces=None, confirmed=3).available_places() == 0


def test_a_course_fits_only_where_its_fullest_slot_has_room():
    loads = [SlotLoad(5, None, confirmed=1), SlotLoad(5, None, confirmed=4), SlotLoad(3, None)]
    assert course_available_places(loads) == 1
    assert course_available_places([]) == 0


@pytest.mark.parametrize(
    ("free", "queue", "promoted"),
    [
        (0, [Waiting(1, 1)], []),
        (2, [Waiting(1, 1), Waiting(2, 1), Waiting(3, 1)], [1, 2]),
        (2, [Waiting(1, 3), Waiting(2, 1), Waiting(3, 1)], [2, 3]),
        (3, [Waiting(1, 2), Waiting(2, 2), Waiting(3, 1)], [1, 3]),
        (5, [], []),
    ],
)
def test_promotion_takes_the_first_waiting_bookings_that_fit_in_queue_order(free, queue, promoted):
    assert promotions([SlotLoad(spaces=free, online_spaces=None)], queue) == promoted


def test_a_booking_made_online_is_promoted_only_into_places_bookable_online():
    """2 places, 1 bookable online, both freed: one member from the online queue, not two."""
    load = SlotLoad(spaces=2, online_spaces=1)
    queue = [Waiting(1, 1, online=True), Waiting(2, 1, online=True), Waiting(3, 1, online=False)]
    assert promotions([load], queue) == [1, 3]


def test_a_booking_made_by_staff_takes_a_place_only_staff_may_fill():
    load = SlotLoad(spaces=3, online_spaces=1, confirmed=1)
    assert promotions([load], [Waiting(1, 1, online=True), Waiting(2, 2, online=False)]) == [2]


def test_a_course_promotes_into_the_places_free_on_every_slot():
    loads = [SlotLoad(5, None, confirmed=3), SlotLoad(5, None, confirmed=4)]
    assert promotions(loads, [Waiting(1, 2), Waiting(2, 1), Waiting(3, 1)]) == [2]
