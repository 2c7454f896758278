"""bookable through PgBouncer in transaction pooling mode (`?pooler=pgbouncer` in the database URL):
each transaction may run on another server connection, so nothing may rely on session state or
on server-side prepared statements. Bookings, a race for the last places over real HTTP, and
idempotent replays, all through the pooler."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import POSTGRES_URL, World, add_api_key, throwaway_postgres
from tests.live_server import serving
from tests.local_dates import local_today
from tests.pgbouncer import running_pgbouncer

from bookable.api.app import create_app
from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL")
ATTEMPTS, PLACES = 120, 12


@pytest.fixture(scope="module")
def pooled() -> Iterator[Database]:
    """A throwaway database, migrated and used only through PgBouncer."""
    urls = throwaway_postgres("bookable_bouncer")
    direct = next(urls)
    name = direct.rsplit("/", 1)[1]
    with running_pgbouncer() as port:
        database = Database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}?pooler=pgbouncer", pool_size=10)
        upgrade(database)
        yield database
        database.dispose()
    next(urls, None)


@pytest.fixture
def world(pooled: Database) -> World:
    with UnitOfWork(pooled, 0) as uow:
        tenant = accounts.add_tenant(uow, f"b-{uuid.uuid4().hex[:10]}", timezone="Europe/Stockholm")
        uow.commit()
    return World(pooled, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))


def people(world: World, count: int) -> list[int]:
    with world.uow() as uow:
        rows = [m.Person(tenant_id=world.tenant.id, first_name=f"P{n}", created_at=accounts.utc_now())
                for n in range(count)]
        uow.session.add_all(rows)
        uow.commit()
        return [row.id for row in rows]


def held_and_waiting(world: World, slot_id: int) -> tuple[int, int]:
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.coalesce(func.sum(m.Booking.places), 0)).where(
            m.Booking.slot_id == slot_id, m.Booking.status.in_(("confirmed", "reserved"))))
        waiting = uow.session.scalar(select(func.count()).select_from(m.Booking).where(
            m.Booking.slot_id == slot_id, m.Booking.status == "waitlisted"))
        counted = uow.session.execute(select(m.Slot.held_confirmed, m.Slot.waiting_bookings)
                                      .where(m.Slot.id == slot_id)).one()
    assert tuple(counted) == (held, waiting)  # the slot's counters, through the pooler too
    return held, waiting


def test_bookings_and_a_race_for_the_last_places_hold_exactly_through_pgbouncer(world: World) -> None:
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=PLACES, start_date=local_today() + timedelta(days=3),
                                         start_time=time(8, 0)).id)[0].id
    warm_slot = world.slots(world.offering(spaces=100).id)[0].id
    persons = people(world, ATTEMPTS)
    start = threading.Barrier(ATTEMPTS)
    with serving(create_app(world.database, roll_horizons=False)) as base:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            # one after another, each statement more than psycopg's five runs before it prepares one
            for person in persons[:20]:
                assert http.post("/api/v1/bookings", json={"slot_id": warm_slot, "person_id": person}).status_code \
                    == 201
                assert http.get(f"/api/v1/slots/{warm_slot}").status_code == 200

        def attempt(person_id: int) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=600) as http:
                start.wait()
                return http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person_id,
                                                           "waitlist": "if_full"}).status_code

        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            codes = list(pool.map(attempt, persons))

    assert codes == [201] * ATTEMPTS
    assert held_and_waiting(world, slot_id) == (PLACES, ATTEMPTS - PLACES)
    assert held_and_waiting(world, warm_slot) == (20, 0)


def test_an_idempotent_booking_replays_through_pgbouncer(world: World) -> None:
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=5).id)[0].id
    anna, bo = people(world, 2)
    with serving(create_app(world.database, roll_horizons=False)) as base, \
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        body = {"slot_id": slot_id, "person_id": anna}
        answers = [http.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": "bouncer-1"})
                   for _ in range(8)]
        other = http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": bo},
                          headers={"Idempotency-Key": "bouncer-1"})

    assert [answer.status_code for answer in answers] == [201] * 8
    assert len({answer.text for answer in answers}) == 1
    assert other.status_code == 422
    assert held_and_waiting(world, slot_id) == (1, 0)
