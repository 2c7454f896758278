"""`bookable serve` killed (kill -9) in the middle of idempotent bookings: every acknowledged booking
is kept with its event, no event outlives a change that was lost, a key left claimed by the dead
process is taken over by a retry once its lease runs out, and a retry never books twice."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from e2e_support import cli_environment, running_server
from sqlalchemy import func, select
from test_serve import STAFF, set_up_club

from bookable.storage import models as m

LEASE_SECONDS = 2
REQUESTS = 120


def _book(base: str, person_id: int, slot_id: int, key: str) -> httpx.Response | None:
    try:
        return httpx.post(f"{base}/api/v1/bookings", json={"slot_id": slot_id, "person_id": person_id},
                          auth=STAFF, headers={"Idempotency-Key": key}, timeout=30)
    except httpx.TransportError:
        return None  # the server died before it answered


def _kill_midway(base: str, process, slot_id: int, people: list[int], round_: int):  # type: ignore[no-untyped-def]
    """Send REQUESTS idempotent bookings from 12 clients and kill the server once a third are answered."""
    answered = threading.Semaphore(0)
    acknowledged: dict[str, int] = {}

    def send(person_id: int) -> None:
        key = f"r{round_}-{person_id}"
        response = _book(base, person_id, slot_id, key)
        if response is not None and response.status_code == 201:
            acknowledged[key] = response.json()["id"]
        answered.release()

    with ThreadPoolExecutor(max_workers=12) as pool:
        for person_id in people:
            pool.submit(send, person_id)
        for _ in range(REQUESTS // 3):
            answered.acquire()
        os.kill(process.pid, signal.SIGKILL)
    return acknowledged


def test_a_server_killed_mid_booking_loses_nothing_acknowledged_and_retries_book_once(fresh_url, open_database,
                                                                                      tmp_path):
    club = set_up_club(open_database, spaces=1000, people=REQUESTS * 3)
    env = cli_environment(BOOKABLE_IDEMPOTENCY_LEASE_SECONDS=str(LEASE_SECONDS))
    acknowledged: dict[str, int] = {}
    tried: list[tuple[str, int]] = []
    claimed_by_the_dead = 0
    for round_ in range(3):  # until a kill has left a key claimed by the dead process
        people = club.people[round_ * REQUESTS:(round_ + 1) * REQUESTS]
        tried += [(f"r{round_}-{person_id}", person_id) for person_id in people]
        with running_server(fresh_url, tmp_path / f"serve{round_}.log", env=env) as (base, process):
            acknowledged |= _kill_midway(base, process, club.slot_id, people, round_)
        with open_database.session(write=False) as session:
            claimed_by_the_dead = session.scalar(select(func.count()).select_from(m.IdempotencyRecord)
                                                 .where(m.IdempotencyRecord.state == "running")) or 0
            bookings = {b.id: b for b in session.scalars(select(m.Booking).where(m.Booking.slot_id == club.slot_id))}
            created = session.scalars(select(m.EventRecord.entity_id).where(
                m.EventRecord.action == "booking.created")).all()
        assert set(acknowledged.values()) <= set(bookings)  # every acknowledged booking is there
        assert sorted(created) == sorted(bookings)  # each with its event, and no event without its booking
        if claimed_by_the_dead:
            break
    assert claimed_by_the_dead, "no kill left a key claimed: the lease was never needed"

    with running_server(fresh_url, tmp_path / "after.log", env=env) as (base, _):
        threading.Event().wait(LEASE_SECONDS + 0.5)
        retried = {key: _book(base, person_id, club.slot_id, key) for key, person_id in tried}
    open_database.dispose()

    assert {key: response.status_code for key, response in retried.items() if response is not None
            and response.status_code != 201} == {}
    assert all(retried[key].json()["id"] == booking_id for key, booking_id in acknowledged.items())
    with open_database.session(write=False) as session:
        per_person = session.execute(select(m.Booking.person_id, func.count()).where(
            m.Booking.slot_id == club.slot_id).group_by(m.Booking.person_id)).all()
        running = session.scalar(select(func.count()).select_from(m.IdempotencyRecord)
                                 .where(m.IdempotencyRecord.state == "running"))
    assert len(per_person) == len(tried) and {count for _, count in per_person} == {1}
    assert running == 0
