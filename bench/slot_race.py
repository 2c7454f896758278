"""`python -m bench.slot_race --database URL [--threads 1,16] [--seconds 3] [--spaces N]`: bookings of one slot
straight through the service layer, from threads of this one process: no HTTP, no server.

How fast one slot can go when nothing else wants the CPU: each thread books a new person on the
same slot (100,000 places, or `--spaces`; the waiting list once it is full) in a unit of work of
its own, for a few seconds. It
prints bookings per second and this process's CPU per booking for each thread count. Run the old
and the new checkout alternately (`PYTHONPATH=checkout/src`). A throwaway database: a SQLite file,
or on PostgreSQL a database of its own, dropped afterwards."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from sqlalchemy.engine import make_url

from bench.cache import admin_engine, run_sql
from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts
from bookable.services.bookings import Waitlist, book
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.database import Database, database_url
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork


@contextmanager
def throwaway(url: str) -> Iterator[Database]:
    if url == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            database = Database(f"sqlite:///{folder}/race.db")
            yield database
            database.dispose()
        return
    admin, name = admin_engine(url), f"bench_slot_race_{os.getpid()}"
    run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    database = Database(make_url(database_url(url)).set(database=name).render_as_string(hide_password=False),
                        pool_size=64)
    try:
        yield database
    finally:
        database.dispose()
        run_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def one_slot(database: Database, people: int, spaces: int) -> tuple[Actor, int, Iterator[int]]:
    """A tenant, a slot in three days with a waiting list, and the people who will book it."""
    upgrade(database)
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, "race", timezone="Europe/Stockholm")
        uow.commit()
    actor = Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(database, tenant.id) as uow:
        offering = create_offering(uow, actor, OfferingSpec(
            kind=Kind.EVENT, name="Race", group="Bench", start_date=datetime.now(UTC).date() + timedelta(days=3),
            start_time=clock(18), duration=60, spaces=spaces, waitlist_enabled=True, min_cancel=0))
        uow.commit()
    with UnitOfWork(database, tenant.id) as uow:
        slot_id = uow.offerings.slots_of(offering.id)[0].id
        racers = [uow.people.add(m.Person(tenant_id=tenant.id, first_name="Racer", last_name=str(n),
                                          created_at=utc_now())) for n in range(people)]
        uow.commit()
        ids = [racer.id for racer in racers]
    if not database.is_sqlite:
        with database.write_engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return actor, slot_id, iter(ids)


def race(database: Database, actor: Actor, slot_id: int, people: Iterator[int], threads: int,
         seconds: float) -> tuple[float, float]:
    """Bookings per second, and this process's CPU per booking in microseconds."""
    stop, taking, counts = threading.Event(), threading.Lock(), [0] * threads

    def booker(index: int) -> None:
        while not stop.is_set():
            with taking:
                person = next(people)
            with UnitOfWork(database, actor.tenant_id) as uow:
                book(uow, actor, person_id=person, slot_id=slot_id, waitlist=Waitlist.IF_FULL)
                uow.commit()
            counts[index] += 1

    workers = [threading.Thread(target=booker, args=(index,)) for index in range(threads)]
    cpu = time.process_time()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    booked = sum(counts)
    return booked / seconds, (time.process_time() - cpu) / booked * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", help="sqlite (default) or a PostgreSQL URL")
    parser.add_argument("--threads", default="1,16", help="comma-separated thread counts")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--people", type=int, default=60_000, help="more than the run books")
    parser.add_argument("--spaces", type=int, default=100_000,
                        help="the slot's places: once they are taken, the rest join its waiting list")
    options = parser.parse_args()
    with throwaway(options.database) as database:
        actor, slot_id, people = one_slot(database, options.people, options.spaces)
        for threads in (int(count) for count in options.threads.split(",")):
            per_second, cpu = race(database, actor, slot_id, people, threads, options.seconds)
            print(f"{threads:3d} threads: {per_second:,.0f} bookings/s, {cpu:,.0f} us of this process's CPU each",
                  flush=True)


if __name__ == "__main__":
    main()
