"""`bookable serve` killed (kill -9) in the middle of idempotent bookings: every acknowledged booking
is kept with its event, no event outlives a change that was lost, a key left claimed by the dead
process is taken over by a retry once its lease runs out, and a retry never books twice."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from e2e_support import cli_environment, running_server
from sqlalchemy import func, select
from test_serve import STAFF, set_up_club
from tests.conftest import POSTGRES_URL

from bookable.storage import models as m

LEASE_SECONDS = 2
LONG_LEASE_SECONDS = 20  # outlasts a restart on a loaded machine, so the first retry is surely too soon
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
    club = set_up_club(open_database, spaces=1000, people=REQUESTS)
    env = cli_environment(BOOKABLE_IDEMPOTENCY_LEASE_SECONDS=str(LEASE_SECONDS))
    tried = [(f"r0-{person_id}", person_id) for person_id in club.people]
    with running_server(fresh_url, tmp_path / "killed.log", env=env) as (base, process):
        acknowledged = _kill_midway(base, process, club.slot_id, club.people, 0)
    with open_database.session(write=False) as session:
        bookings = {b.id for b in session.scalars(select(m.Booking).where(m.Booking.slot_id == club.slot_id))}
        created = session.scalars(select(m.EventRecord.entity_id).where(
            m.EventRecord.action == "booking.created")).all()
    assert set(acknowledged.values()) <= bookings  # every acknowledged booking is there
    assert sorted(created) == sorted(bookings)  # each with its event, and no event without its booking

    with running_server(fresh_url, tmp_path / "after.log", env=env) as (base, _):
        threading.Event().wait(LEASE_SECONDS + 0.5)
        retried = {key: _book(base, person_id, club.slot_id, key) for key, person_id in tried}
    open_database.dispose()

    assert {key: response.status_code for key, response in retried.items()
            if response is None or response.status_code != 201} == {}
    assert all(retried[key].json()["id"] == booking_id for key, booking_id in acknowledged.items())
    _assert_booked_once_each(open_database, club.slot_id, len(tried))


@pytest.mark.parametrize("fresh_url", ["postgresql"] if POSTGRES_URL else [], indirect=True)
def test_a_key_claimed_by_a_killed_server_is_taken_over_by_a_retry_once_its_lease_has_run_out(fresh_url,
                                                                                               open_database,
                                                                                               tmp_path):
    """PostgreSQL: the test holds the slot's row lock, so the booking waits with its key claimed
    while the server is killed; the retry after a restart books it, once."""
    club = set_up_club(open_database, spaces=5, people=1)
    env = cli_environment(BOOKABLE_IDEMPOTENCY_LEASE_SECONDS=str(LONG_LEASE_SECONDS))
    with open_database.write_engine.connect() as blocker:
        blocker.execute(select(m.Slot.id).where(m.Slot.id == club.slot_id).with_for_update())
        with running_server(fresh_url, tmp_path / "killed.log", env=env) as (base, process):
            waiting = threading.Thread(target=_book, args=(base, club.people[0], club.slot_id, "k1"))
            waiting.start()
            _wait_for_a_running_claim(open_database)
            os.kill(process.pid, signal.SIGKILL)
            waiting.join()
        blocker.rollback()
    with running_server(fresh_url, tmp_path / "after.log", env=env) as (base, _):
        too_soon = _book(base, club.people[0], club.slot_id, "k1")
        threading.Event().wait(LONG_LEASE_SECONDS + 0.5)
        retried = _book(base, club.people[0], club.slot_id, "k1")
        replayed = _book(base, club.people[0], club.slot_id, "k1")
    open_database.dispose()

    assert too_soon is not None and too_soon.status_code == 409  # still within the dead claim's lease
    assert retried is not None and retried.status_code == 201
    assert replayed is not None and replayed.headers.get("idempotent-replayed") == "true"
    assert replayed.json()["id"] == retried.json()["id"]
    _assert_booked_once_each(open_database, club.slot_id, 1)


def _wait_for_a_running_claim(database) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with database.session(write=False) as session:
            if session.scalar(select(func.count()).select_from(m.IdempotencyRecord)
                              .where(m.IdempotencyRecord.state == "running")):
                return
        time.sleep(0.05)
    raise AssertionError("the request never claimed its key")


def _wait_until_the_claims_lease_has_run_out(database) -> None:  # type: ignore[no-untyped-def]
    with database.session(write=False) as session:
        claimed_at = session.scalar(select(m.IdempotencyRecord.created_at)
                                    .where(m.IdempotencyRecord.state == "running"))
    assert claimed_at is not None
    claimed_at = claimed_at.replace(tzinfo=claimed_at.tzinfo or UTC)
    remaining = (claimed_at + timedelta(seconds=LONG_LEASE_SECONDS) - datetime.now(UTC))
    time.sleep(max(remaining.total_seconds(), 0) + 0.5)


def _assert_booked_once_each(database, slot_id: int, people: int) -> None:  # type: ignore[no-untyped-def]
    with database.session(write=False) as session:
        per_person = session.execute(select(m.Booking.person_id, func.count()).where(
            m.Booking.slot_id == slot_id).group_by(m.Booking.person_id)).all()
        running = session.scalar(select(func.count()).select_from(m.IdempotencyRecord)
                                 .where(m.IdempotencyRecord.state == "running"))
    assert len(per_person) == people and {count for _, count in per_person} == {1}
    assert running == 0
