"""One person booking the same slot twice at once holds one booking. On PostgreSQL the second
booking waits for the slot's lock while the first commits, and its checks, read in its locking
statement, are as of before that wait (ADR 0024): the database's unique index refuses it, and it is
refused as the rule refuses a double booking."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from bookable.domain.booking import BookingStatus
from bookable.domain.errors import AlreadyBooked, AlreadyWaitlisted, DomainError
from bookable.services.bookings import Waitlist, book
from bookable.storage import models as m


def _booking_attempt(world, person: int, slot_id: int, waitlist: Waitlist):  # type: ignore[no-untyped-def]
    with world.uow() as uow:
        try:
            outcome = book(uow, world.admin, person_id=person, slot_id=slot_id, waitlist=waitlist)
        except DomainError as refused:
            return refused
        uow.commit()
        return outcome.booking.status


def _until_a_session_waits_for_a_lock(database) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: until the second booking waits for the first one's lock on the slot."""
    if database.is_sqlite:
        time.sleep(0.2)  # SQLite: the second waits for the database's write lock at its BEGIN
        return
    deadline = time.monotonic() + 10
    with database.write_engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting:
                return
            time.sleep(0.01)
    pytest.fail("the second booking never waited for the slot's lock")


@pytest.mark.parametrize(("spaces", "waitlist", "refusal"), [
    (5, Waitlist.NEVER, AlreadyBooked), (0, Waitlist.IF_FULL, AlreadyWaitlisted)])
def test_a_booking_that_waited_for_the_same_persons_first_one_is_refused_and_one_stays(
        world, database, spaces, waitlist, refusal):
    slot_id = world.slots(world.offering(spaces=max(spaces, 1)).id)[0].id
    person = world.person()
    if spaces == 0:
        _booking_attempt(world, world.person(first="Full"), slot_id, Waitlist.NEVER)  # takes the one place
    with world.uow() as first, ThreadPoolExecutor(max_workers=1) as pool:
        book(first, world.admin, person_id=person, slot_id=slot_id, waitlist=waitlist)
        second = pool.submit(_booking_attempt, world, person, slot_id, waitlist)
        _until_a_session_waits_for_a_lock(database)
        first.commit()
        outcome = second.result(timeout=30)

    assert isinstance(outcome, refusal)
    with world.uow(write=False) as uow:
        statuses = uow.session.scalars(select(m.Booking.status).where(
            m.Booking.person_id == person, m.Booking.slot_id == slot_id)).all()
        held = uow.session.scalar(select(m.Slot.held_confirmed).where(m.Slot.id == slot_id))
    assert statuses == [BookingStatus.CONFIRMED if spaces else BookingStatus.WAITLISTED]
    assert held == 1
