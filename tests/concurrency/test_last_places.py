"""Many callers race for the last places of one slot: separate connections, real threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select
from tests.local_dates import local_today

from bookable.services.bookings import WaitlistPolicy, book, cancel
from bookable.storage import models as m

ATTEMPTS = 200
PLACES = 20


def _people(world, count):
    with world.uow() as uow:
        rows = [
            m.Person(tenant_id=world.tenant.id, first_name=f"P{i}", last_name="Racer", created_at=datetime.now(UTC))
            for i in range(count)
        ]
        uow.session.add_all(rows)
        uow.commit()
        return [row.id for row in rows]


def _race(world, slot_id, person_ids):
    start = threading.Barrier(len(person_ids))

    def attempt(person_id):
        start.wait()
        with world.uow() as uow:
            outcome = book(uow, world.admin, person_id=person_id, slot_id=slot_id, waitlist=WaitlistPolicy.IF_FULL)
            uow.commit()
            return outcome.booking.id

    with ThreadPoolExecutor(max_workers=len(person_ids)) as pool:
        return list(pool.map(attempt, person_ids))


def _bookings(world, slot_id):
    with world.uow(write=False) as uow:
        rows = uow.session.scalars(select(m.Booking).where(m.Booking.slot_id == slot_id).order_by(m.Booking.id))
        bookings = list(rows)
        positions = {b.id: uow.bookings.waiting_position(b) for b in bookings}
        return bookings, positions


def test_two_hundred_racers_for_twenty_places_leave_exactly_twenty_held_and_a_contiguous_queue(world):
    offering = world.offering(spaces=PLACES)
    slot_id = world.slots(offering.id)[0].id
    ids = _race(world, slot_id, _people(world, ATTEMPTS))
    assert len(set(ids)) == ATTEMPTS

    bookings, positions = _bookings(world, slot_id)
    confirmed = [b for b in bookings if b.status == "confirmed"]
    waiting = sorted((b for b in bookings if b.status == "waitlisted"), key=lambda b: b.queue_number)
    assert len(bookings) == ATTEMPTS
    assert sum(b.places for b in confirmed) == PLACES
    assert len(waiting) == ATTEMPTS - PLACES
    assert [positions[b.id] for b in waiting] == list(range(1, ATTEMPTS - PLACES + 1))
    assert [b.queue_number for b in waiting] == list(range(1, ATTEMPTS - PLACES + 1))
    assert [b.id for b in waiting] == sorted(b.id for b in waiting)


def test_cancelling_five_of_the_held_places_promotes_exactly_the_first_five_waiting(world):
    offering = world.offering(spaces=PLACES)
    slot_id = world.slots(offering.id)[0].id
    _race(world, slot_id, _people(world, ATTEMPTS))
    bookings, _ = _bookings(world, slot_id)
    confirmed = [b for b in bookings if b.status == "confirmed"]
    first_five_waiting = [
        b.id for b in sorted((b for b in bookings if b.status == "waitlisted"), key=lambda b: b.queue_number)
    ][:5]

    def cancel_one(booking_id):
        with world.uow() as uow:
            cancel(uow, world.admin, booking_id)
            uow.commit()

    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(cancel_one, [b.id for b in confirmed[:5]]))

    after, positions = _bookings(world, slot_id)
    by_id = {b.id: b for b in after}
    assert all(by_id[i].status == "confirmed" for i in first_five_waiting)
    assert sum(b.places for b in after if b.status == "confirmed") == PLACES
    still_waiting = sorted((b for b in after if b.status == "waitlisted"), key=lambda b: b.queue_number)
    assert [positions[b.id] for b in still_waiting] == list(range(1, ATTEMPTS - PLACES - 5 + 1))
    assert len([b for b in after if b.status == "cancelled"]) == 5


def test_concurrent_course_bookings_never_overfill_any_slot_of_the_course(world):
    from datetime import timedelta

    from bookable.domain.offering import Kind
    from bookable.domain.recurrence import Repeat

    offering = world.offering(
        kind=Kind.COURSE, spaces=7, repeat=Repeat.WEEKLY, end_date=local_today() + timedelta(days=30)
    )
    people = _people(world, 40)
    start = threading.Barrier(len(people))

    def attempt(person_id):
        start.wait()
        with world.uow() as uow:
            book(uow, world.admin, person_id=person_id, offering_id=offering.id, waitlist=WaitlistPolicy.IF_FULL)
            uow.commit()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        list(pool.map(attempt, people))
    with world.uow(write=False) as uow:
        held = uow.session.scalars(
            select(m.Booking).where(m.Booking.offering_id == offering.id, m.Booking.status == "confirmed")
        ).all()
    assert len(held) == 7
