"""Real concurrent HTTP requests against a live server: the last places are never oversold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from tests.concurrency.test_last_places import _people
from tests.conftest import add_api_key

from bookable.storage import models as m

ATTEMPTS = 200
PLACES = 20


def test_two_hundred_concurrent_http_bookings_for_twenty_places_hold_exactly_twenty(world, live_server):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=PLACES).id)[0].id
    people = _people(world, ATTEMPTS)
    start = threading.Barrier(ATTEMPTS)

    def attempt(person_id: int) -> int:
        with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {key}"}, timeout=600) as http:
            start.wait()
            response = http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person_id,
                                                           "waitlist": "if_full"})
            return response.status_code

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        codes = list(pool.map(attempt, people))

    assert codes == [201] * ATTEMPTS
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.sum(m.Booking.places)).where(
            m.Booking.slot_id == slot_id, m.Booking.status.in_(("confirmed", "reserved"))))
        waiting = uow.session.scalar(select(func.count()).select_from(m.Booking).where(
            m.Booking.slot_id == slot_id, m.Booking.status == "waitlisted"))
    assert (held, waiting) == (PLACES, ATTEMPTS - PLACES)
