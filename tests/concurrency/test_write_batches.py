"""Group commit (storage.write_batch, ADR 0010): concurrent writes share one SQLite transaction,
each in a savepoint of its own. A write that fails leaves nothing behind and takes nothing of its
batch's other writes with it; a caller hears of its write only once the batch has committed."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import event, func, select
from tests.concurrency.test_last_places import _people
from tests.conftest import add_api_key

from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage import zones
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

PEOPLE = 30


def test_concurrent_repeats_of_each_booking_are_refused_and_every_first_one_is_kept(world, live_server):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=100).id)[0].id
    people = _people(world, PEOPLE)
    attempts = [person for person in people for _ in range(2)]
    start = threading.Barrier(len(attempts))

    def attempt(person_id: int) -> tuple[int, int, str]:
        with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {key}"}, timeout=600) as http:
            start.wait()
            response = http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person_id})
            return person_id, response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        outcomes = list(pool.map(attempt, attempts))

    for person in people:
        theirs = sorted((status, code) for who, status, code in outcomes if who == person)
        assert theirs == [(201, ""), (409, "already_booked")]
    with world.uow(write=False) as uow:
        booked = Counter(uow.session.scalars(select(m.Booking.person_id).where(m.Booking.slot_id == slot_id)))
        created = uow.session.scalar(select(func.count()).select_from(m.EventRecord).where(
            m.EventRecord.tenant_id == world.tenant.id, m.EventRecord.action == "booking.created"))
    assert booked == Counter(people)
    assert created == PEOPLE


def _add_person(database: Database, tenant_id: int, name: str, fail_after_writing: bool = False) -> int:
    with UnitOfWork(database, tenant_id) as uow:
        person = m.Person(tenant_id=tenant_id, first_name=name, last_name="Batch", created_at=datetime.now(UTC))
        uow.session.add(person)
        uow.session.flush()  # written: the row is in the batch's transaction
        if fail_after_writing:
            raise RuntimeError(f"{name} failed after writing")
        uow.commit()
        return person.id


def _database_with_a_tenant(path: Path, slug: str) -> tuple[Database, int]:
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, slug, timezone="Europe/Stockholm")
        uow.commit()
    return database, tenant.id


def test_a_write_failing_after_it_wrote_rolls_back_alone_and_the_batch_commits_once(tmp_path: Path) -> None:
    database, tenant_id = _database_with_a_tenant(tmp_path / "batch.db", "batch")
    commits: list[object] = []
    event.listen(database.write_engine, "commit", commits.append)

    async def ten_writes_at_once() -> list[object]:
        writes = [database.write_batches.run(_add_person, database, tenant_id, f"P{n}", n == 4) for n in range(10)]
        return await asyncio.gather(*writes, return_exceptions=True)

    results = asyncio.run(ten_writes_at_once())
    database.dispose()

    assert isinstance(results[4], RuntimeError)
    assert all(isinstance(result, int) for n, result in enumerate(results) if n != 4)
    assert len(commits) == 1
    reopened = Database(f"sqlite:///{tmp_path / 'batch.db'}")
    with UnitOfWork(reopened, tenant_id, write=False) as uow:
        names = sorted(uow.session.scalars(select(m.Person.first_name).where(m.Person.tenant_id == tenant_id)))
    reopened.dispose()
    assert names == sorted(f"P{n}" for n in range(10) if n != 4)


def _zone_of(database: Database, tenant_id: int) -> str:
    with UnitOfWork(database, tenant_id) as uow:
        return uow.zone(tenant_id)


def test_the_tenant_zone_is_remembered_once_per_database_not_once_per_batch(tmp_path: Path) -> None:
    database, tenant_id = _database_with_a_tenant(tmp_path / "zones.db", "zones")
    zones_read: list[str] = []

    def count_zone_reads(_conn, _cursor, statement: str, *_args) -> None:
        if "tenants.timezone" in statement:
            zones_read.append(statement)

    event.listen(database.write_engine, "before_cursor_execute", count_zone_reads)

    async def batches_one_after_another() -> list[str]:
        return [await database.write_batches.run(_zone_of, database, tenant_id) for _ in range(5)]

    assert asyncio.run(batches_one_after_another()) == ["Europe/Stockholm"] * 5
    database.dispose()
    assert len(zones_read) == 1
    assert [key for key in zones.TENANT_ZONES._zones if key[0] is database] == [(database, tenant_id)]


def _person_count_read_with_the_orm(database: Database, tenant_id: int) -> int:
    with UnitOfWork(database, tenant_id, write=False) as uow:
        return len(uow.people.list(m.Person))


def test_units_of_work_in_a_batch_end_their_savepoints_whether_they_used_the_orm_or_not(tmp_path: Path) -> None:
    database, tenant_id = _database_with_a_tenant(tmp_path / "savepoints.db", "savepoints")

    async def mixed_writes() -> list[object]:
        writes = [database.write_batches.run(_add_person, database, tenant_id, "Core", True),
                  database.write_batches.run(_person_count_read_with_the_orm, database, tenant_id),
                  database.write_batches.run(_add_person, database, tenant_id, "Kept"),
                  database.write_batches.run(_person_count_read_with_the_orm, database, tenant_id),
                  database.write_batches.run(_zone_of, database, tenant_id)]
        return await asyncio.gather(*writes, return_exceptions=True)

    failed, before, kept_id, after, zone = asyncio.run(mixed_writes())
    database.dispose()
    assert isinstance(failed, RuntimeError)
    assert (before, after, zone) == (0, 1, "Europe/Stockholm")
    assert isinstance(kept_id, int)


def _add_person_but_leave_uncommitted(database: Database, tenant_id: int) -> str:
    with UnitOfWork(database, tenant_id) as uow:
        uow.session.add(m.Person(tenant_id=tenant_id, first_name="Uncommitted", last_name="Batch",
                                 created_at=datetime.now(UTC)))
        uow.session.flush()
    return "returned without committing"


def _traced_statements(database: Database) -> list[str]:
    statements: list[str] = []

    @event.listens_for(database.write_engine, "connect")
    def _trace(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(statements.append)

    database.write_engine.dispose()  # connections opened from here on are traced
    return statements


def _names(path: Path, tenant_id: int) -> list[str]:
    reopened = Database(f"sqlite:///{path}")
    with UnitOfWork(reopened, tenant_id, write=False) as uow:
        names = sorted(uow.session.scalars(select(m.Person.first_name).where(m.Person.tenant_id == tenant_id)))
    reopened.dispose()
    return names


def test_a_unit_of_work_that_wrote_and_returned_uncommitted_leaves_nothing_and_the_others_stand(
    tmp_path: Path,
) -> None:
    database, tenant_id = _database_with_a_tenant(tmp_path / "uncommitted.db", "uncommitted")
    statements = _traced_statements(database)

    async def writes_at_once() -> list[object]:
        return await asyncio.gather(
            database.write_batches.run(_add_person, database, tenant_id, "First"),
            database.write_batches.run(_add_person_but_leave_uncommitted, database, tenant_id),
            database.write_batches.run(_add_person, database, tenant_id, "Last"))

    first, uncommitted, last = asyncio.run(writes_at_once())
    database.dispose()
    assert uncommitted == "returned without committing"
    assert isinstance(first, int) and isinstance(last, int)
    assert _names(tmp_path / "uncommitted.db", tenant_id) == ["First", "Last"]
    assert statements.count("ROLLBACK") == 1  # the spoiled run was undone once
    assert any("bookable_uow" in sql for sql in statements)  # and the writes ran again with savepoints


def test_writes_that_fail_before_writing_need_no_savepoint_of_their_own(tmp_path: Path) -> None:
    database, tenant_id = _database_with_a_tenant(tmp_path / "nosavepoints.db", "nosavepoints")
    statements = _traced_statements(database)

    def refused(n: int) -> None:
        with UnitOfWork(database, tenant_id):
            raise ValueError(f"write {n} refused before writing")

    async def writes_at_once() -> list[object]:
        writes = [database.write_batches.run(_add_person, database, tenant_id, f"P{n}") for n in range(4)]
        writes += [database.write_batches.run(refused, n) for n in range(4)]
        return await asyncio.gather(*writes, return_exceptions=True)

    results = asyncio.run(writes_at_once())
    database.dispose()
    assert [type(result) for result in results] == [int] * 4 + [ValueError] * 4
    assert _names(tmp_path / "nosavepoints.db", tenant_id) == ["P0", "P1", "P2", "P3"]
    assert not any("bookable_uow" in sql for sql in statements)
    assert "ROLLBACK" not in statements
