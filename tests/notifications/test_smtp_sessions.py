"""SMTP sessions kept open between messages: a running worker sends one booking's email after
another over one session, and when the server has hung up (an idle time-out, a restart) the next
message goes over a new session at its first try, whether the worker noticed the hang-up before the
message or only while sending it. A real aiosmtpd server, the API and the delivery worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from email_support import (
    SmtpServer,
    a_delivery,
    create_offering,
    each_then_close,
    last_event_id,
    new_person,
    post,
    staff_headers,
    start_smtp_server,
)
from sqlalchemy import select
from tests.live_server import free_port

from bookable.domain.actors import utc_now
from bookable.notifications.email import EmailChannel
from bookable.notifications.running import WorkerThread, worker_for
from bookable.settings import Settings
from bookable.storage import deliveries
from bookable.storage import models as m

WAIT_SECONDS = 30.0


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    controller, server = start_smtp_server(free_port())
    yield server
    controller.stop()


@pytest.fixture
def staff(world: Any) -> dict[str, str]:
    return staff_headers(world)


def arrived(server: SmtpServer, address: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.inbox.to(address):
        assert time.monotonic() < deadline, f"no email to {address}"
        time.sleep(0.02)
    [received] = server.inbox.to(address)
    return received


def book(client: Any, staff: dict[str, str], slot_id: int, name: str) -> str:
    person_id, address = new_person(client, staff, name)
    post(client, "bookings", {"person_id": person_id, "slot_id": slot_id}, staff, 201)
    return address


def only_new_events_for_the_worker(world: Any) -> None:
    """The worker starts past the events of the tests before this one (their members' addresses)."""
    with world.database.write_engine.begin() as connection:
        deliveries.lock_cursor(connection, utc_now())
        deliveries.advance_cursor(connection, last_event_id(world), utc_now())


def test_the_worker_sends_email_after_email_over_one_session_and_a_new_one_after_the_server_hung_up(
        client, world, staff, server):
    slot_id = create_offering(client, staff, name="Pilates", spaces=10)["slots"][0]["id"]
    only_new_events_for_the_worker(world)
    worker = worker_for(world.database, Settings(delivery_poll_milliseconds=20),
                        channels=[EmailChannel(server.config())], periodic_jobs=[])

    with WorkerThread(worker):
        first = [arrived(server, book(client, staff, slot_id, name)) for name in ("Anna", "Bo", "Cecilia")]
        server.inbox.hang_up()
        after = arrived(server, book(client, staff, slot_id, "Dan"))

    assert all(received.session is first[0].session for received in first)
    assert after.session is not first[0].session
    with world.database.read_engine.connect() as connection:
        tries = connection.execute(select(m.DeliveryRecord.status, m.DeliveryRecord.attempts).where(
            m.DeliveryRecord.tenant_id == world.tenant.id, m.DeliveryRecord.channel == "email")).all()
    assert sorted(tries) == [("delivered", 1)] * 4


def test_a_session_the_server_closed_unnoticed_is_replaced_and_the_message_delivered_at_its_first_try(server):
    channel = EmailChannel(server.config())

    async def hung_up_between_two_messages() -> list[Any]:
        first = await channel.send(a_delivery("anna@example.org"))
        server.inbox.hang_up()  # blocks this loop: the channel cannot have read the hang-up yet
        return [first, *await each_then_close(channel, [a_delivery("bo@example.org")])]

    outcomes = asyncio.run(hung_up_between_two_messages())

    assert [(outcome.delivered, outcome.status) for outcome in outcomes] == [(True, 250), (True, 250)]
    [anna] = server.inbox.to("anna@example.org")
    [bo] = server.inbox.to("bo@example.org")
    assert anna.session is not bo.session


def test_a_refusal_closes_the_session_and_the_next_message_opens_a_new_one(server):
    server.inbox.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    channel = EmailChannel(server.config())

    outcomes = asyncio.run(each_then_close(channel, [a_delivery(to) for to in (
        "anna@example.org", "bo@example.org", "nobody@example.org", "cecilia@example.org")]))

    assert [(outcome.delivered, outcome.retry, outcome.status) for outcome in outcomes] == [
        (True, False, 250), (True, False, 250), (False, False, 550), (True, False, 250)]
    anna, bo, cecilia = server.inbox.messages
    assert anna.session is bo.session and cecilia.session is not bo.session
