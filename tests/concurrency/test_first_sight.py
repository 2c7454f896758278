"""A burst of first requests with one credential verifies it once, over real concurrent HTTP.

When a class opens for booking, every member's app (or one integration's API key) sends its first
request in the same second. Each of those requests used to verify the same credential in its own
worker thread; now the first verifies and remembers it, and the others find it remembered
(api/execution.run_checks, ADR 0007). Wrong credentials are still refused, every time.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from tests.concurrency.test_last_places import _people
from tests.conftest import add_api_key, add_member, add_staff

from bookable.services import accounts
from bookable.storage import models as m

BURST = 24


def _basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password verification the server makes (the real argon2 check still runs)."""
    seen: list[str] = []
    real = accounts.verify_password

    def counted(password_hash: str, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counted)
    return seen


def _burst(live_server: str, send: Callable[[httpx.Client, int], httpx.Response]) -> list[int]:
    start = threading.Barrier(BURST)

    def one(n: int) -> int:
        with httpx.Client(base_url=live_server, timeout=120) as http:
            start.wait()
            return send(http, n).status_code

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        return list(pool.map(one, range(BURST)))


def test_a_burst_of_first_staff_requests_verifies_the_password_once(world, live_server, verifications):
    login, password = add_staff(world)
    codes = _burst(live_server, lambda http, _: http.get("/api/v1/offerings", headers=_basic(login, password)))
    assert codes == [200] * BURST
    assert len(verifications) == 1


def test_a_burst_of_wrong_passwords_is_refused_every_time(world, live_server, verifications):
    login, _ = add_staff(world)
    codes = _burst(live_server, lambda http, _: http.get("/api/v1/offerings", headers=_basic(login, "wrong")))
    assert set(codes) <= {401, 429}  # 429: the account was held back after its free failures (docs/adr/0015)
    assert len(verifications) == codes.count(401) >= 1


def test_a_burst_of_a_members_first_brp_bookings_verifies_them_once_and_books_each(world, live_server,
                                                                                   verifications):
    key = add_api_key(world)
    person_id, login, password = add_member(world)
    slots = [world.slots(world.offering(spaces=5).id)[0].id for _ in range(BURST)]

    def book(http: httpx.Client, n: int) -> httpx.Response:
        return http.post(f"/{world.tenant.slug}/api/ver2/bookings.xml", headers=_basic(login, password),
                         params={"apikey": key, "type": "ordinary", "activityid": slots[n]})

    assert _burst(live_server, book) == [200] * BURST
    assert len(verifications) == 1
    with world.uow(write=False) as uow:
        booked = {b.slot_id for b in uow.bookings.list(m.Booking, m.Booking.person_id == person_id, limit=BURST * 2)}
    assert booked == set(slots)


def test_a_burst_of_first_api_key_bookings_books_every_person(world, live_server):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=BURST).id)[0].id
    people = _people(world, BURST)

    def book(http: httpx.Client, n: int) -> httpx.Response:
        return http.post("/api/v1/bookings", headers={"Authorization": f"Bearer {key}"},
                         json={"slot_id": slot_id, "person_id": people[n]})

    assert _burst(live_server, book) == [201] * BURST
    with world.uow(write=False) as uow:
        assert len(uow.bookings.list(m.Booking, m.Booking.slot_id == slot_id, limit=BURST * 2)) == BURST
