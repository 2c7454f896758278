"""`bookable serve` as a real process on a free port: book over HTTP, stop it, find the booking stored."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta

import httpx
import pytest
from e2e_support import bookable_command, cli_environment, running_server
from sqlalchemy import select
from tests.local_dates import LONDON, local_today

from bookable.demo import demo_api_key
from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

STAFF = ("desk@riverside", "desk-password")
PARTICIPANTS = "/api/restful/work/sessiongroups/sessions/{slot}/participants"


@dataclass
class Club:
    """A tenant with a staff login, one session with `spaces` places, and people to book."""

    slot_id: int
    people: list[int]


def set_up_club(database: Database, spaces: int, people: int) -> Club:
    upgrade(database)
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, "riverside", timezone="Europe/London")
        accounts.add_user(uow, tenant, *STAFF, role=Role.STAFF)
        uow.commit()
    actor = Actor(tenant.id, "setup", Role.ADMIN, Channel.CLI)
    with UnitOfWork(database, tenant.id) as uow:
        offering = create_offering(uow, actor, OfferingSpec(
            kind=Kind.EVENT, name="Lunch Club", group="Community", start_date=local_today(LONDON) + timedelta(days=5),
            start_time=clock(12, 0), spaces=spaces, min_cancel=0))
        ids = [uow.people.add(m.Person(tenant_id=tenant.id, first_name=f"Guest {n}", last_name="Smith",
                                       created_at=utc_now())).id for n in range(people)]
        slot_id = uow.offerings.slots_of(offering.id)[0].id
        uow.commit()
    return Club(slot_id, ids)


def add_to_register(base: str, slot_id: int, person_id: int) -> httpx.Response:
    body = f"<participant><ContactID>{person_id}</ContactID></participant>"
    return httpx.put(base + PARTICIPANTS.format(slot=slot_id), content=body, auth=STAFF,
                     headers={"Content-Type": "text/xml"}, timeout=60)


def stored_bookings(database: Database, slot_id: int) -> list[m.Booking]:
    with database.session(write=False) as session:
        return list(session.scalars(select(m.Booking).where(m.Booking.slot_id == slot_id)))


def test_a_booking_made_over_http_is_in_the_database_after_the_server_stops(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=5, people=1)

    with running_server(fresh_url, tmp_path / "serve.log") as (base, process):
        response = add_to_register(base, club.slot_id, club.people[0])
        listed = httpx.get(base + PARTICIPANTS.format(slot=club.slot_id), auth=STAFF, timeout=60)
        native = httpx.get(f"{base}/api/v1/slots/{club.slot_id}", auth=STAFF, timeout=60)
    open_database.dispose()

    assert response.status_code == 200, response.text
    assert "Guest 0 Smith" in listed.text
    assert native.status_code == 200 and native.json()["confirmed"] == 1
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a clean shutdown
    assert "Application shutdown complete" in (tmp_path / "serve.log").read_text()
    assert [(b.person_id, b.status, b.channel) for b in stored_bookings(open_database, club.slot_id)] == [
        (club.people[0], "confirmed", "views")]


def test_two_workers_share_one_database_and_never_oversell(fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=5, people=9)

    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, _), \
            ThreadPoolExecutor(max_workers=9) as pool:
        responses = list(pool.map(lambda person: add_to_register(base, club.slot_id, person), club.people))
    log = (tmp_path / "serve.log").read_text()
    open_database.dispose()

    assert log.count("Started server process") == 2
    assert [r.status_code for r in responses].count(200) == 5
    assert all(400 <= r.status_code < 500 for r in responses if r.status_code != 200)
    confirmed = [b for b in stored_bookings(open_database, club.slot_id) if b.status == "confirmed"]
    assert len(confirmed) == 5
    assert {b.person_id for b in confirmed} <= set(club.people)


@pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
def test_serve_demo_loads_the_demo_once_and_prints_the_credentials(fresh_url, open_database, tmp_path):
    key = demo_api_key("courses-demo")
    with running_server(fresh_url, tmp_path / "first.log", "--demo") as (base, _):
        sessions = httpx.get(f"{base}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}, timeout=60)
    with running_server(fresh_url, tmp_path / "second.log", "--demo"):
        pass
    first, second = (tmp_path / "first.log").read_text(), (tmp_path / "second.log").read_text()
    open_database.dispose()

    assert sessions.status_code == 200 and "Practitioners" in sessions.text
    assert key in first and "admin@courses-demo / demo-password" in first
    assert first.count("(Europe/London, created)") == 2 and second.count("already loaded") == 3
    with open_database.session(write=False) as session:
        assert len(session.scalars(select(m.Tenant)).all()) == 3


def _listening_pids(port: int) -> list[int]:
    """The processes holding a socket that listens on `port` (bench.connections reads /proc)."""
    from bench.connections import LISTENING, _socket_inodes, _sockets_on

    listening = _sockets_on(port, LISTENING)
    pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    return sorted(pid for pid in pids if _socket_inodes(pid) & listening)


def _wait_for_listeners(port: int, count: int, gone: int | None = None) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = _listening_pids(port)
        if len(pids) == count and gone not in pids:
            break
        time.sleep(0.2)
    return pids


def _healthz_over_new_connections(port: int, count: int) -> int:
    answered = 0
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: bookable\r\n\r\n")
            with contextlib.suppress(TimeoutError):
                answered += connection.recv(200).startswith(b"HTTP/1.1 200")
    return answered


@pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
def test_each_worker_listens_on_a_socket_of_its_own_and_a_replaced_worker_takes_over(fresh_url, tmp_path):
    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, process):
        port = int(base.rsplit(":", 1)[1])
        first = _wait_for_listeners(port, 2)  # the second worker may still be starting
        os.kill(first[0], signal.SIGKILL)
        replaced = _wait_for_listeners(port, 2, gone=first[0])
        answered = _healthz_over_new_connections(port, 60)

    assert len(first) == 2 and process.pid not in first  # the supervisor keeps no listening socket
    assert len(replaced) == 2 and first[0] not in replaced
    assert answered == 60  # none waits on the dead worker's socket: it closed with the worker


@pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
def test_a_second_server_on_a_port_in_use_refuses_to_start(fresh_url, tmp_path):
    with running_server(fresh_url, tmp_path / "serve.log", "--workers", "2") as (base, _):
        port = base.rsplit(":", 1)[1]
        command = [*bookable_command(), "--database", fresh_url, "serve", "--port", port, "--workers", "2"]
        second = subprocess.run(command, capture_output=True, text=True, env=cli_environment(), timeout=120,
                                check=False)
        still_up = httpx.get(f"{base}/healthz", timeout=10).status_code

    assert second.returncode != 0
    assert "Address already in use" in second.stderr
    assert still_up == 200


def _data_segments_received(connection: socket.socket) -> int:
    """tcp_info's tcpi_data_segs_in (Linux 4.6+): the TCP segments with data this socket received."""
    return int(struct.unpack_from("I", connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256), 152)[0])


def _answer(connection: socket.socket) -> bytes:
    """One HTTP/1.1 answer with a Content-Length, read whole."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
def test_a_small_answer_leaves_in_one_tcp_segment_and_a_large_one_arrives_whole(fresh_url, tmp_path):
    """uvicorn writes an answer's head and body apart: two system calls and two segments a request
    (bookable.http_protocol sends them as one)."""
    with running_server(fresh_url, tmp_path / "serve.log") as (base, _):
        segments = []
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as connection:
            for _ in range(5):
                before = _data_segments_received(connection)
                connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: bookable\r\n\r\n")
                answered = _answer(connection)
                segments.append(_data_segments_received(connection) - before)
        large = httpx.get(f"{base}/openapi.json", timeout=30)

    assert answered.startswith(b"HTTP/1.1 200") and answered.endswith(b"}")
    assert segments == [1] * 5
    assert large.status_code == 200 and len(large.content) > 64 * 1024
    assert "/api/v1/bookings" in large.json()["paths"]

