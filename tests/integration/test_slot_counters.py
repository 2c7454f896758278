"""The places a slot holds and what waits on it, kept on the slot's row (storage.slot_counters),
always equal its bookings' sums: random sequences of booking, cancelling, promoting, confirming,
capacity changes, register replacements and course bookings through the services, on SQLite and
PostgreSQL. And every read that shows a slot's load reads the same numbers."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, update
from tests.conftest import World
from tests.local_dates import local_today

from bookable.domain.errors import DomainError
from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services import register
from bookable.services.bookings import (
    Settlement,
    WaitlistPolicy,
    book,
    cancel,
    promote,
    set_confirmed,
    target_of_slot,
)
from bookable.services.consistency import check_slot_counters
from bookable.services.offerings import change_capacity
from bookable.storage import models as m
from bookable.storage import slot_counters


def bookings_sums(world: World, slot_id: int) -> tuple[int, int, int, int, int]:
    """The counters' definition, from the booking rows: the sums, and the highest queue number."""
    with world.uow(write=False) as uow:
        rows = uow.session.execute(select(m.Booking.status, m.Booking.places, m.Booking.queue_number)
                                   .where(m.Booking.slot_id == slot_id))
        bookings = [(status, places, number) for status, places, number in rows]
    def places(status: str) -> int:
        return sum(p for s, p, _ in bookings if s == status)
    return (places("confirmed"), places("reserved"), places("waitlisted"),
            sum(1 for s, _, _ in bookings if s == "waitlisted"), max((n or 0 for _, _, n in bookings), default=0))


def stored_counters(world: World, slot_id: int) -> tuple[int, ...]:
    with world.uow(write=False) as uow:
        row = uow.connection().execute(
            select(*(m.Slot.__table__.c[name] for name in slot_counters.KEPT)).where(m.Slot.id == slot_id)).one()
    return tuple(row)


def queue_numbers(world: World, slot_id: int) -> list[int]:
    with world.uow(write=False) as uow:
        return list(uow.session.scalars(select(m.Booking.queue_number).where(
            m.Booking.slot_id == slot_id, m.Booking.queue_number.is_not(None))))


def machine_for(world: World):  # type: ignore[no-untyped-def]
    class CounterMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            later = local_today() + timedelta(days=5)
            event = world.offering(spaces=3, max_num_bookings=2, waitlist_enabled=True, start_date=later)
            classes = world.offering(kind=Kind.RECURRING, repeat=Repeat.DAILY, spaces=2, max_num_bookings=2,
                                     start_date=later, end_date=later + timedelta(days=1), start_time=time(7, 0))
            course = world.offering(kind=Kind.COURSE, repeat=Repeat.DAILY, spaces=2, start_date=later,
                                    end_date=later + timedelta(days=1), start_time=time(12, 0))
            self.slots = [slot.id for offering in (event, classes) for slot in world.slots(offering.id)]
            self.course = course.id
            self.course_slots = [slot.id for slot in world.slots(course.id)]
            self.people = [world.person(first=f"P{n}") for n in range(5)]
            self.bookings: list[int] = []

        def attempt(self, action) -> None:  # type: ignore[no-untyped-def]
            with world.uow() as uow:
                try:
                    action(uow)
                except DomainError:
                    return
                uow.commit()

        def booking(self, index: int) -> int | None:
            return self.bookings[index % len(self.bookings)] if self.bookings else None

        @rule(slot=st.integers(0, 2), person=st.integers(0, 4), places=st.integers(1, 2), wait=st.booleans(),
              confirmed=st.booleans())
        def book_a_slot(self, slot: int, person: int, places: int, wait: bool, confirmed: bool) -> None:
            policy = WaitlistPolicy.IF_FULL if wait else WaitlistPolicy.NEVER
            self.attempt(lambda uow: self.bookings.append(book(
                uow, world.admin, person_id=self.people[person], slot_id=self.slots[slot], places=places,
                waitlist=policy, confirmed=confirmed).booking.id))

        @rule(person=st.integers(0, 4), wait=st.booleans())
        def book_the_course(self, person: int, wait: bool) -> None:
            policy = WaitlistPolicy.IF_FULL if wait else WaitlistPolicy.NEVER
            self.attempt(lambda uow: self.bookings.append(book(
                uow, world.admin, person_id=self.people[person], offering_id=self.course, waitlist=policy).booking.id))

        @rule(index=st.integers(0, 99), promote_waiting=st.booleans())
        def cancel_one(self, index: int, promote_waiting: bool) -> None:
            if (booking_id := self.booking(index)) is not None:
                self.attempt(lambda uow: cancel(uow, world.admin, booking_id, settlement=Settlement.NONE,
                                                promote_waiting=promote_waiting))

        @rule(index=st.integers(0, 99), confirmed=st.booleans())
        def confirm_or_unconfirm(self, index: int, confirmed: bool) -> None:
            if (booking_id := self.booking(index)) is not None:
                self.attempt(lambda uow: set_confirmed(uow, world.admin, booking_id, confirmed))

        @rule(slot=st.integers(0, 2), spaces=st.integers(0, 5))
        def change_spaces(self, slot: int, spaces: int) -> None:
            self.attempt(lambda uow: change_capacity(uow, world.admin, self.slots[slot], spaces))

        @rule(slot=st.integers(0, 2))
        def promote_the_waiting_list(self, slot: int) -> None:
            def action(uow) -> None:  # type: ignore[no-untyped-def]
                found = uow.offerings.slot(self.slots[slot])
                promote(uow, world.admin, target_of_slot(uow, uow.offerings.offering(found.offering_id), found))
            self.attempt(action)

        @rule(slot=st.integers(0, 2), chosen=st.sets(st.integers(0, 4), max_size=3))
        def replace_the_register(self, slot: int, chosen: set[int]) -> None:
            lines = [register.RegisterLine(self.people[i]) for i in sorted(chosen)]
            self.attempt(lambda uow: self.bookings.extend(
                register.replace(uow, world.admin, register.session_of(uow, self.slots[slot]), lines)))

        @invariant()
        def every_counter_equals_its_bookings_sum(self) -> None:
            if not hasattr(self, "slots"):
                return
            for slot_id in self.slots + self.course_slots:
                assert stored_counters(world, slot_id) == bookings_sums(world, slot_id)
            with world.uow(write=False) as uow:
                assert slot_counters.mismatches(uow.connection(), world.tenant.id) == []

        @invariant()
        def no_queue_number_is_taken_twice_on_a_slot(self) -> None:
            if not hasattr(self, "slots"):
                return
            for slot_id in self.slots:
                numbers = queue_numbers(world, slot_id)
                assert len(numbers) == len(set(numbers))

        @invariant()
        def the_loads_read_the_counters_and_the_course_bookings(self) -> None:
            if not hasattr(self, "slots"):
                return
            with world.uow(write=False) as uow:
                slots = [uow.offerings.slot(slot_id) for slot_id in self.slots + self.course_slots]
                loads = uow.loads.for_slots(slots, [self.course])
                course_held = uow.session.scalar(select(func.coalesce(func.sum(m.Booking.places), 0)).where(
                    m.Booking.offering_id == self.course, m.Booking.slot_id.is_(None),
                    m.Booking.status.in_(("confirmed", "reserved"))))
            for slot in slots:
                confirmed, reserved, *_ = bookings_sums(world, slot.id)
                course = course_held if slot.id in self.course_slots else 0
                assert loads[slot.id].held == confirmed + reserved + course
                assert loads[slot.id].held <= slot.spaces

    return CounterMachine


def test_random_booking_sequences_keep_every_slot_counter_equal_to_its_bookings(world: World) -> None:
    run_state_machine_as_test(machine_for(world), settings=settings(
        max_examples=12, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)))


def test_the_check_finds_a_counter_written_around_the_triggers_and_repairs_it(world: World) -> None:
    slot = world.slots(world.offering(spaces=4, max_num_bookings=2).id)[0]
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person(), slot_id=slot.id, places=2)
        uow.connection().execute(update(m.Slot).where(m.Slot.id == slot.id).values(held_confirmed=7))
        uow.commit()

    with world.uow() as uow:
        found = check_slot_counters(uow, world.tenant.id)
    with world.uow() as uow:
        repaired = check_slot_counters(uow, world.tenant.id, repair=True)
        uow.commit()
    with world.uow() as uow:
        after = check_slot_counters(uow, world.tenant.id)

    assert [(f.slot_id, f.stored[0], f.counted[0]) for f in found.mismatches] == [(slot.id, 7, 2)]
    assert repaired.repaired == 1
    assert after.mismatches == []
    assert stored_counters(world, slot.id) == (2, 0, 0, 0, 0)


@pytest.mark.parametrize("status", ["confirmed", "reserved", "waitlisted", "cancelled"])
def test_a_booking_deleted_or_moved_to_another_slot_moves_its_places(world: World, status: str) -> None:
    """Nothing in bookable deletes a booking or moves it today; the triggers count those too."""
    first, second = (world.slots(world.offering(spaces=4, max_num_bookings=2).id)[0] for _ in range(2))
    with world.uow() as uow:
        booking = book(uow, world.admin, person_id=world.person(), slot_id=first.id, places=2).booking
        uow.connection().execute(update(m.Booking).where(m.Booking.id == booking.id).values(status=status))
        uow.connection().execute(update(m.Booking).where(m.Booking.id == booking.id).values(slot_id=second.id))
        uow.commit()
    assert stored_counters(world, first.id) == bookings_sums(world, first.id) == (0, 0, 0, 0, 0)
    assert stored_counters(world, second.id) == bookings_sums(world, second.id)
    with world.uow() as uow:
        uow.connection().execute(m.Booking.__table__.delete().where(m.Booking.id == booking.id))
        uow.commit()
    assert stored_counters(world, second.id) == (0, 0, 0, 0, 0)


def test_a_queue_number_stays_taken_when_its_booking_is_deleted(world: World) -> None:
    slot = world.slots(world.offering(spaces=1, waitlist_enabled=True).id)[0]
    people = [world.person() for _ in range(4)]
    with world.uow() as uow:
        taken = [book(uow, world.admin, person_id=person, slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL).booking
                 for person in people[:3]]
        uow.commit()
    assert [booking.queue_number for booking in taken] == [None, 1, 2]
    with world.uow() as uow:
        uow.connection().execute(m.Booking.__table__.delete().where(m.Booking.id == taken[2].id))
        uow.commit()

    with world.uow() as uow:
        joined = book(uow, world.admin, person_id=people[3], slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()

    assert (joined.booking.queue_number, joined.position) == (3, 2)
    assert stored_counters(world, slot.id) == (1, 0, 2, 2, 3)
    with world.uow(write=False) as uow:
        assert slot_counters.mismatches(uow.connection(), world.tenant.id) == []
