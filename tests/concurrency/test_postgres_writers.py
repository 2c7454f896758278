"""On PostgreSQL a worker process runs only `postgres_writers` write transactions at once (ADR 0025,
ADR 0026): a write waits for a turn on the event loop, holding no connection, and takes it when one
is given back."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select, text
from tests.conftest import POSTGRES_URL, add_api_key
from tests.live_server import serving

from bookable.api.app import create_app
from bookable.storage import models as m
from bookable.storage.database import Database

pytestmark = [pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL"),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]


def _sessions_waiting_for_a_lock(database: Database) -> int:
    with database.write_engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def test_with_one_writer_a_second_booking_waits_for_the_first_and_both_are_made(world, database):
    key = add_api_key(world)
    held_slot, other_slot = (world.slots(world.offering(spaces=5).id)[0].id for _ in range(2))
    first, second = world.person(), world.person()
    one_writer = Database(database.url, concurrent_writes=1)

    def booking(person: int, slot_id: int) -> int:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            return http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person}).status_code

    with serving(create_app(one_writer, roll_horizons=False)) as url, ThreadPoolExecutor(max_workers=2) as pool:
        with database.write_engine.connect() as holder:  # as staff changing the slot would
            holder.execute(select(m.Slot.id).where(m.Slot.id == held_slot).with_for_update())
            blocked = pool.submit(booking, first, held_slot)
            deadline = time.monotonic() + 10
            while _sessions_waiting_for_a_lock(database) == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _sessions_waiting_for_a_lock(database) == 1, "the first booking never waited for the slot"
            queued = pool.submit(booking, second, other_slot)
            time.sleep(0.5)
            assert not queued.done()  # its slot is free, but the one turn is taken
            holder.rollback()
        codes = blocked.result(timeout=30), queued.result(timeout=30)
    one_writer.write_engine.dispose()

    assert codes == (201, 201)
    with world.uow(write=False) as uow:
        booked = set(uow.session.execute(select(m.Booking.person_id, m.Booking.slot_id)).all())
    assert {(first, held_slot), (second, other_slot)} <= booked
