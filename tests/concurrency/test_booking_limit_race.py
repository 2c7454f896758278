"""A member's booking limit holds under real concurrent HTTP requests: one member's bookings on
different slots (different slot locks) still count each other."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from tests.conftest import add_member

from bookable.domain.booking import ACTIVE
from bookable.storage import models as m

ATTEMPTS = 20
LIMIT = 2


def _limit_members(world, limit: int) -> None:  # type: ignore[no-untyped-def]
    with world.uow() as uow:
        uow.tenants.get(world.tenant.id).max_upcoming_bookings = limit
        uow.commit()


def test_twenty_concurrent_bookings_by_one_member_on_twenty_slots_with_a_limit_of_two_leave_two(world, live_server):
    _limit_members(world, LIMIT)
    slot_ids = [world.slots(world.offering(spaces=5).id)[0].id for _ in range(ATTEMPTS)]
    person_id, login, password = add_member(world)
    start = threading.Barrier(ATTEMPTS)

    def attempt(slot_id: int) -> httpx.Response:
        headers = {"X-Bookable-Tenant": world.tenant.slug}
        with httpx.Client(base_url=live_server, auth=(login, password), headers=headers, timeout=600) as http:
            http.get("/api/v1/persons/me")  # the login verified once per client, before the race
            start.wait()
            return http.post("/api/v1/bookings", json={"slot_id": slot_id})

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        responses = list(pool.map(attempt, slot_ids))

    codes = sorted(response.status_code for response in responses)
    assert codes == [201] * LIMIT + [409] * (ATTEMPTS - LIMIT)
    refused = [response.json() for response in responses if response.status_code == 409]
    assert {problem["code"] for problem in refused} == {"booking_limit_reached"}
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.count()).select_from(m.Booking).where(
            m.Booking.person_id == person_id, m.Booking.status.in_(ACTIVE)))
    assert held == LIMIT


def test_staff_may_book_a_member_past_the_limit(world, live_server):
    from tests.conftest import add_api_key

    _limit_members(world, 1)
    key = add_api_key(world)
    person_id, _, _ = add_member(world)
    slots = [world.slots(world.offering(spaces=5).id)[0].id for _ in range(3)]
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        codes = [http.post("/api/v1/bookings", json={"slot_id": slot, "person_id": person_id}).status_code
                 for slot in slots]
    assert codes == [201, 201, 201]
