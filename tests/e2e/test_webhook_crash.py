"""`bookable serve`, delivering webhooks from its in-process worker, killed (kill -9) while deliveries
are in flight: after a restart every event reaches the receiver, and what arrives twice carries
the same webhook-id (and body), so the receiver can drop the repeat."""

from __future__ import annotations

import os
import signal
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
from bench.webhook_receiver import receiving
from e2e_support import cli_environment, running_server
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from test_serve import STAFF, set_up_club

from bookable.domain.actors import Actor, Channel, Role
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

BOOKINGS = 40
ENVIRONMENT = dict(BOOKABLE_WEBHOOKS_ALLOWED_NETWORKS="127.0.0.1/32", BOOKABLE_WEBHOOK_TIMEOUT_SECONDS="2",
                   BOOKABLE_DELIVERY_CLAIM_LEASE_SECONDS="1", BOOKABLE_DELIVERY_POLL_MILLISECONDS="50",
                   BOOKABLE_DELIVERY_RETRY_BASE_SECONDS="1")


def add_endpoint(database, tenant_id: int, url: str) -> m.WebhookEndpoint:  # type: ignore[no-untyped-def]
    with UnitOfWork(database, tenant_id) as uow:
        endpoint = webhook_endpoints.create(uow, Actor(tenant_id, "setup", Role.ADMIN, Channel.CLI),
                                            AddressPolicy(allow_private=True), url, ["booking.created"], True)
        uow.commit()
    return endpoint


def created_events(database) -> list[int]:  # type: ignore[no-untyped-def]
    with database.session(write=False) as session:
        return list(session.scalars(select(m.EventRecord.id).where(m.EventRecord.action == "booking.created")))


def all_delivered(database, count: int) -> bool:  # type: ignore[no-untyped-def]
    with database.session(write=False) as session:
        return list(session.scalars(select(m.DeliveryRecord.status))) == ["delivered"] * count


def test_a_server_killed_mid_delivery_loses_no_event_and_repeats_only_what_the_receiver_can_drop(
        fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=1000, people=BOOKINGS)
    with open_database.session(write=False) as session:
        tenant_id = session.scalars(select(m.Tenant.id).where(m.Tenant.slug == "riverside")).one()
    env = cli_environment(**ENVIRONMENT)
    with receiving() as receiver:
        receiver.delay_seconds = 0.3  # deliveries stay in flight long enough to be cut off
        endpoint = add_endpoint(open_database, tenant_id, receiver.url)
        with running_server(fresh_url, tmp_path / "killed.log", env=env) as (base, process):
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(lambda person: httpx.post(
                    f"{base}/api/v1/bookings", json={"slot_id": club.slot_id, "person_id": person}, auth=STAFF,
                    timeout=30).status_code, club.people))
            assert answers == [201] * BOOKINGS
            receiver.wait_for(5, timeout=60)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        time.sleep(0.5)  # what the receiver was answering when the server died lands now
        before_restart = len(receiver.requests)
        expected = {f"msg_{event_id}_{endpoint.id}" for event_id in created_events(open_database)}
        assert len(expected) == BOOKINGS
        assert before_restart < BOOKINGS  # the kill did cut the deliveries short

        receiver.delay_seconds = 0.0
        with running_server(fresh_url, tmp_path / "after.log", env=env):
            deadline = time.monotonic() + 120  # claims cut off by the kill come back when their lease runs out
            while not all_delivered(open_database, BOOKINGS) and time.monotonic() < deadline:
                time.sleep(0.1)
        received = list(receiver.requests)

    by_id: dict[str, list[bytes]] = defaultdict(list)
    for request in received:
        Webhook(endpoint.secret).verify(request.body, request.headers)
        by_id[request.headers["webhook-id"]].append(request.body)
    assert set(by_id) == expected  # nothing lost
    assert all(len(set(bodies)) == 1 for bodies in by_id.values())  # a repeat is the same message
    with open_database.session(write=False) as session:
        statuses = session.scalars(select(m.DeliveryRecord.status)).all()
    assert sorted(statuses) == ["delivered"] * BOOKINGS
