"""Two application hosts, each `bookable serve --workers 2` in a network namespace of its own,
against one PostgreSQL through PgBouncer, behind HAProxy with health checks on /readyz
(two_hosts_support.py builds them): the app tier is stateless and safe across hosts. Capacity,
idempotency keys and the credential cache hold across them, and a host killed mid-load loses
nothing acknowledged.

Where network namespaces are not allowed the tests skip saying so, except under CI, where they
fail."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from e2e_support import run_cli
from sqlalchemy import func, select
from tests.conftest import POSTGRES_URL, World, add_api_key
from two_hosts_support import Cluster, running_cluster

from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs BOOKABLE_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with running_cluster({}) as running:
        yield running


@pytest.fixture
def world(cluster: Cluster) -> World:
    with UnitOfWork(cluster.database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"h-{uuid.uuid4().hex[:10]}", timezone="Europe/Stockholm")
        uow.commit()
    return World(cluster.database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))


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
    return int(held), int(waiting)


refusals: list[str] = []
"""What answered other than 201 (shown when a test fails)."""


def book_all(base: str, key: str, slot_id: int, persons: list[int], clients: int,
             during: threading.Event | None = None) -> list[tuple[int, int, int | None]]:
    """(person, status, booking id) of each attempt, `clients` at a time, each on its own connection."""
    def attempt(person: int) -> tuple[int, int, int | None]:
        if during is not None:
            during.set()
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
                answer = http.post("/api/v1/bookings", json={"slot_id": slot_id, "person_id": person,
                                                             "waitlist": "if_full"})
        except httpx.TransportError:
            return person, 0, None
        if answer.status_code != 201:
            refusals.append(f"{answer.status_code} {answer.headers.get('content-type')}: {answer.text[:200]}")
            return person, answer.status_code, None
        return person, answer.status_code, answer.json()["id"]

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(attempt, persons))


def test_a_race_of_a_thousand_bookings_over_both_hosts_holds_exactly_the_hundred_places(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=100).id)[0].id
    before = {name: int(row["stot"]) for name, row in cluster.balancer.stats().items() if name in "ab"}

    answers = book_all(cluster.balancer.url, key, slot_id, people(world, 1000), clients=64)

    after = {name: int(row["stot"]) for name, row in cluster.balancer.stats().items() if name in "ab"}
    assert [status for _, status, _ in answers] == [201] * 1000, refusals[:5]
    assert held_and_waiting(world, slot_id) == (100, 900)
    assert all(after[name] - before[name] >= 300 for name in "ab"), (before, after)  # both hosts booked


def test_an_idempotency_key_used_on_one_host_replays_on_the_other(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=5).id)[0].id
    anna, bo = people(world, 2)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "across-hosts-1"}
    first = httpx.post(f"{cluster.hosts[0].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": anna},
                       headers=headers, timeout=60)
    replay = httpx.post(f"{cluster.hosts[1].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": anna},
                        headers=headers, timeout=60)
    other = httpx.post(f"{cluster.hosts[1].url}/api/v1/bookings", json={"slot_id": slot_id, "person_id": bo},
                       headers=headers, timeout=60)

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 422)
    assert replay.json() == first.json()
    assert held_and_waiting(world, slot_id) == (1, 0)


def test_an_api_key_revoked_from_the_command_line_is_refused_on_both_hosts(cluster, world):
    key = add_api_key(world)
    with world.uow(write=False) as uow:
        key_id = uow.session.scalars(select(m.ApiKey.id).where(m.ApiKey.tenant_id == world.tenant.id)).one()
    for host in cluster.hosts:  # each host has the key in its credential cache
        assert httpx.get(f"{host.url}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    revoked = run_cli("apikey", "revoke", str(key_id), database=cluster.direct_url)
    assert revoked.returncode == 0, revoked.stderr

    deadline = time.monotonic() + 10  # "within about a second" (ADR 0004), on a loaded machine
    codes: list[int] = []
    while time.monotonic() < deadline:
        codes = [httpx.get(f"{host.url}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code
                 for host in cluster.hosts]
        if codes == [401, 401]:
            break
        time.sleep(0.2)
    assert codes == [401, 401]


def test_a_host_killed_mid_load_loses_no_acknowledged_booking_and_takes_load_again(cluster, world):
    key = add_api_key(world)
    slot_id = world.slots(world.offering(spaces=150).id)[0].id
    persons = people(world, 600)
    started = threading.Event()

    def kill_when_busy() -> None:
        started.wait(60)
        time.sleep(1.0)
        cluster.hosts[0].kill()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    answers = book_all(cluster.balancer.url, key, slot_id, persons, clients=16, during=started)
    killer.join()

    acknowledged = {booking for _, status, booking in answers if status == 201}
    with world.uow(write=False) as uow:
        kept = set(uow.session.scalars(select(m.Booking.id).where(m.Booking.id.in_(acknowledged),
                                                                  m.Booking.status != "cancelled")))
    held, waiting = held_and_waiting(world, slot_id)
    assert kept == acknowledged  # every booking answered 201 is there
    assert held <= 150  # never oversold
    assert held + waiting >= len(acknowledged)
    assert len(acknowledged) >= 500  # HAProxy routed around the dead host: most attempts went through

    cluster.balancer.wait_until("a", "DOWN")
    cluster.hosts[0].start()
    cluster.balancer.wait_until("a", "UP")
    served = int(cluster.balancer.stats()["a"]["stot"])
    later = book_all(cluster.balancer.url, key, slot_id, people(world, 40), clients=4)
    assert [status for _, status, _ in later] == [201] * 40
    assert int(cluster.balancer.stats()["a"]["stot"]) > served  # the host came back and takes load again
