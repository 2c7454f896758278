"""Group commit on PostgreSQL (storage.postgres_batch, ADR 0026): a worker's waiting writes share a
transaction; a write after the first never waits for another transaction's lock (it would deadlock
two batches that took two slots in opposite orders), so the transaction commits what it holds and
the write begins the next one; a write that fails after writing, or whose statement fails, is run
again alone and takes nothing of the others with it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError
from tests.concurrency.test_postgres_writers import _sessions_waiting_for_a_lock
from tests.concurrency.test_write_batches import _add_person
from tests.conftest import POSTGRES_URL, World

from bookable.services import bookings
from bookable.storage import models as m
from bookable.storage.booking_store import SlotView
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork
from bookable.storage.write_batch import MAX_BATCH

pytestmark = [pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL"),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]


class _Loop:
    """An event loop in a thread of its own, as a worker process has, to submit writes to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def submit(self, database: Database, *writes: tuple[Callable[..., Any], tuple[Any, ...]]) -> Future[list[Any]]:
        """The writes, submitted in one turn of the loop; their outcomes (a value or the exception)."""
        async def submit() -> list[Any]:
            return await asyncio.gather(*(database.write_batches.run(work, *args) for work, args in writes),
                                        return_exceptions=True)
        return asyncio.run_coroutine_threadsafe(submit(), self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def _in_one_batch(database: Database, *writes: tuple[Callable[..., Any], tuple[Any, ...]]) -> Future[list[Any]]:
    """Submitted together with one batch in flight, the writes share one batch."""
    loop = _Loop()
    done = loop.submit(database, *writes)
    done.add_done_callback(lambda _: loop.close())
    return done


def _book(world: World, person_id: int, slot_id: int) -> Callable[[Database], int]:
    def book(database: Database) -> int:
        with UnitOfWork(database, world.tenant.id) as uow:
            outcome = bookings.book(uow, world.actor(), person_id=person_id, slot_id=slot_id)
            uow.commit()
        return outcome.booking.id
    return book


def _booked(world: World) -> set[tuple[int, int | None]]:
    with world.uow(write=False) as uow:
        return set(uow.session.execute(select(m.Booking.person_id, m.Booking.slot_id)).all())


def _one_writer(database: Database) -> Database:
    return Database(database.url, concurrent_writes=1)


def test_writes_submitted_together_share_one_commit(world, database):
    slot_id = world.slots(world.offering(spaces=20).id)[0].id
    people = [world.person() for _ in range(10)]
    batches = _one_writer(database)
    commits: list[object] = []
    event.listen(batches.write_engine, "commit", commits.append)

    ids = _in_one_batch(batches, *((_book(world, person, slot_id), (batches,)) for person in people)).result(30)
    batches.write_engine.dispose()

    assert all(isinstance(booking_id, int) for booking_id in ids), ids
    assert len(commits) == 1
    assert {(person, slot_id) for person in people} <= _booked(world)


def test_a_write_after_the_first_does_not_wait_for_a_lock_the_batch_commits_and_it_waits_first(world, database):
    free, held, other = (world.slots(world.offering(spaces=5).id)[0].id for _ in range(3))
    first, second, third = world.person(), world.person(), world.person()
    batches = _one_writer(database)

    with database.write_engine.connect() as holder:  # as staff changing the slot would
        holder.execute(select(m.Slot.id).where(m.Slot.id == held).with_for_update())
        outcomes = _in_one_batch(batches, (_book(world, first, free), (batches,)),
                                 (_book(world, second, held), (batches,)), (_book(world, third, other), (batches,)))
        deadline = time.monotonic() + 20
        while (first, free) not in _booked(world) and time.monotonic() < deadline:
            time.sleep(0.02)
        made_while_held = _booked(world)
        holder.rollback()
    results = outcomes.result(30)
    batches.write_engine.dispose()

    assert (first, free) in made_while_held, "the batch waited for the held slot with the first booking uncommitted"
    assert (second, held) not in made_while_held
    assert all(isinstance(booking_id, int) for booking_id in results), results
    assert {(first, free), (second, held), (third, other)} <= _booked(world)


def test_a_booking_through_a_view_that_would_wait_is_run_again_first_and_shows_its_slot(world, database):
    view = SlotView(offers=m.Offering.name == "Viewed", shows=(m.Offering.name, m.Slot.spaces))
    free, held = (world.slots(world.offering(name="Viewed", spaces=5).id)[0].id for _ in range(2))
    first, second = world.person(), world.person()
    batches = _one_writer(database)

    def book_shown(person_id: int, slot_id: int) -> Callable[[Database], tuple[Any, ...]]:
        def book(database: Database) -> tuple[Any, ...]:
            with UnitOfWork(database, world.tenant.id) as uow:
                outcome = bookings.book(uow, world.actor(), person_id=person_id, slot_id=slot_id, view=view)
                uow.commit()
            return outcome.shown
        return book

    with database.write_engine.connect() as holder:
        holder.execute(select(m.Slot.id).where(m.Slot.id == held).with_for_update())
        outcomes = _in_one_batch(batches, (book_shown(first, free), (batches,)), (book_shown(second, held), (batches,)))
        deadline = time.monotonic() + 20
        while (first, free) not in _booked(world) and time.monotonic() < deadline:
            time.sleep(0.02)
        holder.rollback()
    results = outcomes.result(30)
    batches.write_engine.dispose()

    assert results == [("Viewed", 5), ("Viewed", 5)]
    assert {(first, free), (second, held)} <= _booked(world)


def _add_person_with_core_then_fail(database: Database, tenant_id: int, name: str) -> None:
    """Written outside the ORM (no savepoint of the session's own to undo it), then failed."""
    with UnitOfWork(database, tenant_id) as uow:
        uow.connection().execute(insert(m.Person).values(tenant_id=tenant_id, first_name=name, last_name="Batch",
                                                         created_at=datetime.now(UTC)))
        raise RuntimeError(f"{name} failed after writing")


def _fails_in_the_database(database: Database, tenant_id: int, _name: str) -> None:
    with UnitOfWork(database, tenant_id) as uow:
        uow.connection().execute(text("SELECT 1 / 0"))
        uow.commit()


def _between_two_people(world: World, database: Database, write: Callable[..., Any]) -> list[Any]:
    """The outcomes of adding "Before", then `write`, then adding "After", in one batch."""
    tenant_id = world.tenant.id
    batches = _one_writer(database)
    writes = [(_add_person, (batches, tenant_id, "Before")), (write, (batches, tenant_id, "Middle")),
              (_add_person, (batches, tenant_id, "After"))]
    try:
        return _in_one_batch(batches, *writes).result(30)
    finally:
        batches.write_engine.dispose()


def _people_added(world: World) -> set[str]:
    with world.uow(write=False) as uow:
        return set(uow.session.scalars(select(m.Person.first_name).where(
            m.Person.last_name == "Batch", m.Person.tenant_id == world.tenant.id)))


@pytest.mark.parametrize("failing", [_add_person_with_core_then_fail, _fails_in_the_database])
def test_a_write_that_fails_after_writing_or_in_the_database_leaves_nothing_and_the_others_stand(
        world, database, failing):
    before, failed, after = _between_two_people(world, database, failing)

    assert isinstance(failed, RuntimeError | DBAPIError), failed
    assert isinstance(before, int) and isinstance(after, int)
    assert _people_added(world) == {"Before", "After"}


def test_while_a_batch_waits_for_a_lock_a_second_one_takes_a_full_batch_of_other_writes(world, database):
    held = world.slots(world.offering(spaces=5).id)[0].id
    free = world.slots(world.offering(spaces=100).id)[0].id
    blocked, *others = (world.person() for _ in range(1 + MAX_BATCH))
    batches = Database(database.url, concurrent_writes=2)
    loop = _Loop()
    try:
        with database.write_engine.connect() as holder:
            holder.execute(select(m.Slot.id).where(m.Slot.id == held).with_for_update())
            stuck = loop.submit(batches, (_book(world, blocked, held), (batches,)))
            deadline = time.monotonic() + 20
            while _sessions_waiting_for_a_lock(database) == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            made = loop.submit(batches, *((_book(world, person, free), (batches,)) for person in others)).result(30)
            assert not stuck.done()
            holder.rollback()
        assert all(isinstance(booking_id, int) for booking_id in [*made, *stuck.result(30)])
    finally:
        loop.close()
        batches.write_engine.dispose()
    assert {(person, free) for person in others} | {(blocked, held)} <= _booked(world)


def _loses_its_connection(database: Database, tenant_id: int, _name: str) -> None:
    with UnitOfWork(database, tenant_id) as uow:
        uow.connection().execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        uow.commit()


def test_a_write_that_loses_the_batchs_connection_fails_and_the_others_are_made(world, database):
    before, lost, after = _between_two_people(world, database, _loses_its_connection)

    assert isinstance(lost, DBAPIError), (before, lost, after)
    assert isinstance(before, int) and isinstance(after, int), (before, after)
    assert _people_added(world) == {"Before", "After"}
