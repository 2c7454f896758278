"""Webhooks end to end: endpoints managed through the native API of a live server, bookings made
through it, the delivery worker running in this process, and a real HTTP receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from bench.webhook_receiver import Receiver, receiving
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from tests.conftest import World, add_api_key
from tests.live_server import serving

from bookable.notifications.running import WorkerThread, worker_for
from bookable.settings import Settings
from bookable.storage import models as m

HTTP = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
"""Patient with a server on a busy machine (a client time-out, not a timing assertion); no kept connections."""

API = "/api/v1"
FAST = dict(webhooks_allowed_networks="127.0.0.1/32", delivery_retry_base_seconds=1, delivery_poll_milliseconds=50,
            webhook_timeout_seconds=5, delivery_claim_lease_seconds=1)


@pytest.fixture(scope="module")
def live(database: Any) -> Iterator[str]:
    from bookable.api.app import create_app

    with serving(create_app(database, roll_horizons=False, settings=Settings(**FAST))) as base:
        yield base


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def worker_thread(database: Any, **settings: Any) -> WorkerThread:
    chosen = Settings(**{**FAST, **settings})
    return WorkerThread(worker_for(database, chosen))


@pytest.fixture
def worker(database: Any) -> Iterator[WorkerThread]:
    with worker_thread(database) as running:
        yield running


@pytest.fixture
def admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {add_api_key(world)}"}


def add_endpoint(base: str, admin: dict[str, str], url: str, types: list[str] | None = None) -> dict[str, Any]:
    answer = HTTP.post(f"{base}{API}/webhooks", headers=admin,
                        json={"url": url, "event_types": types or ["booking.created", "booking.cancelled"]})
    assert answer.status_code == 201, answer.text
    return answer.json()


def book(base: str, admin: dict[str, str], world: World) -> tuple[dict[str, Any], float]:
    slot = world.slots(world.offering(spaces=10).id)[0]
    started = time.monotonic()
    answer = HTTP.post(f"{base}{API}/bookings", headers=admin, timeout=30,
                        json={"slot_id": slot.id, "person_id": world.person()})
    assert answer.status_code == 201, answer.text
    return answer.json(), time.monotonic() - started


def deliveries_of(world: World, endpoint_id: int) -> list[m.DeliveryRecord]:
    with world.database.session(write=False) as session:
        return list(session.scalars(select(m.DeliveryRecord).where(
            m.DeliveryRecord.target == f"endpoint:{endpoint_id}").order_by(m.DeliveryRecord.id)))


def wait_until(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_a_booking_is_posted_to_the_endpoint_signed_so_that_the_library_verifies_it(
        live, receiver, worker, world, admin):
    endpoint = add_endpoint(live, admin, receiver.url)
    booking, _ = book(live, admin, world)

    request = receiver.wait_for(1)[0]
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert endpoint["secret"].startswith("whsec_")
    assert payload["type"] == "booking.created"
    assert payload["data"]["entity_id"] == booking["id"]
    assert payload["data"]["after"]["status"] == "confirmed"
    assert request.headers["webhook-id"] == f"msg_{payload['id']}_{endpoint['id']}"
    [delivery] = wait_until(lambda: [d for d in deliveries_of(world, endpoint["id"]) if d.status == "delivered"])
    assert (delivery.event_id, delivery.attempts, delivery.last_status_code) == (payload["id"], 1, 200)
    with pytest.raises(Exception):  # noqa: B017 - any other secret fails
        Webhook("whsec_" + "A" * 32).verify(request.body, request.headers)


def test_an_endpoint_answering_500_gets_the_same_message_again_until_it_takes_it(
        live, receiver, worker, world, admin):
    endpoint = add_endpoint(live, admin, receiver.url)
    receiver.fail_next(2)
    book(live, admin, world)

    requests = receiver.wait_for(3)
    assert [r.status for r in requests][:3] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert requests[2].at - requests[0].at >= 1.5  # back-off: about 1 s, then about 2 s
    log = wait_until(lambda: [d for d in HTTP.get(f"{live}{API}/webhooks/{endpoint['id']}/deliveries",
                                                   headers=admin).json()["items"] if d["status"] == "delivered"])
    assert (log[0]["attempts"], log[0]["last_status_code"], log[0]["type"]) == (3, 200, "booking.created")


def test_a_delivery_can_be_sent_again_by_hand(live, receiver, worker, world, admin):
    endpoint = add_endpoint(live, admin, receiver.url)
    book(live, admin, world)
    first = receiver.wait_for(1)[0]
    [delivery] = wait_until(lambda: [d for d in deliveries_of(world, endpoint["id"]) if d.status == "delivered"])

    answer = HTTP.post(f"{live}{API}/webhooks/{endpoint['id']}/deliveries/{delivery.id}/redeliver", headers=admin)

    assert answer.status_code == 202, answer.text
    again = receiver.wait_for(2)[-1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert orjson.loads(again.body) == orjson.loads(first.body)
    Webhook(endpoint["secret"]).verify(again.body, again.headers)
    assert wait_until(lambda: [d for d in deliveries_of(world, endpoint["id"]) if d.attempts == 2
                               and d.status == "delivered"])
    missing = HTTP.post(f"{live}{API}/webhooks/{endpoint['id']}/deliveries/999999/redeliver", headers=admin)
    assert missing.status_code == 404


def test_a_slow_receiver_never_slows_a_booking(live, receiver, database, world, admin):
    receiver.delay_seconds = 6.0  # beyond the 5 s time-out: the first webhook is held the whole time
    endpoint = add_endpoint(live, admin, receiver.url)
    with worker_thread(database):
        book(live, admin, world)
        wait_until(lambda: [d for d in deliveries_of(world, endpoint["id"]) if d.attempts >= 1])
        later = [book(live, admin, world)[0]["status"] for _ in range(3)]
        answered_while_held = receiver.requests == []
        receiver.wait_for(1)
    assert later == ["confirmed"] * 3 and answered_while_held


def test_an_endpoint_failing_past_the_retry_window_is_disabled_and_staff_are_told(
        live, receiver, database, world, admin):
    endpoint = add_endpoint(live, admin, receiver.url)
    receiver.fail_next(10_000)
    with worker_thread(database, delivery_give_up_after_seconds=2):
        book(live, admin, world)
        shown = wait_until(lambda: (e := HTTP.get(f"{live}{API}/webhooks/{endpoint['id']}", headers=admin).json())
                           and not e["enabled"] and e)
    assert "failed for too long" in shown["disabled_reason"]
    assert [d.status for d in deliveries_of(world, endpoint["id"])] == ["given_up"]
    assert len(receiver.requests) >= 2
    events = HTTP.get(f"{live}{API}/events", headers=admin, params={"limit": 500}).json()["items"]
    [disabled] = [e for e in events if e["type"] == "webhook.endpoint_disabled"]
    assert (disabled["entity_id"], disabled["channel"], disabled["after"]["enabled"]) == (endpoint["id"], "worker",
                                                                                          False)
    status = HTTP.get(f"{live}{API}/outbox/status", headers=admin).json()
    assert status["given_up"] == 1 and status["pending"] == status["failed"] == 0


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/", "http://169.254.169.254/latest",
    "http://[::1]/", "http://224.0.0.1/", "http://192.168.0.10/", "ftp://example.org/", "example.org/hook",
    "http://user:pw@example.org/", "http://[::ffff:127.0.0.1]/", "http://[::1/", "http://example.org:99999/",
    "http://0.0.0.0/", "https:///path",
])
def test_urls_that_are_not_public_http_are_refused_with_422_and_nothing_is_saved(client, world, admin, url):
    answer = client.post(f"{API}/webhooks", headers=admin, json={"url": url, "event_types": ["booking.created"]})

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{API}/webhooks", headers=admin).json() == []


def test_unknown_event_types_are_refused_and_a_private_address_is_accepted_once_allowed(live, client, world, admin):
    refused = client.post(f"{API}/webhooks", headers=admin, json={"url": "https://example.org/",
                                                                  "event_types": ["booking.exploded"]})
    assert refused.status_code == 422 and "booking.exploded" in refused.json()["detail"]
    allowed = HTTP.post(f"{live}{API}/webhooks", headers=admin,
                         json={"url": "http://127.0.0.1:9/hook", "event_types": ["booking.created"]})
    assert allowed.status_code == 201


def test_endpoints_are_listed_changed_and_deleted_without_showing_the_secret_again(live, world, admin):
    endpoint = add_endpoint(live, admin, "http://127.0.0.1:9/a")
    url = f"{live}{API}/webhooks/{endpoint['id']}"

    changed = HTTP.patch(url, headers=admin, json={"enabled": False, "event_types": ["slot.cancelled"]})
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["event_types"]) == (False, ["slot.cancelled"])
    assert "secret" not in HTTP.get(url, headers=admin).json()
    assert [e["id"] for e in HTTP.get(f"{live}{API}/webhooks", headers=admin).json()] == [endpoint["id"]]
    assert HTTP.patch(url, headers=admin, json={"url": "http://10.0.0.1/"}).status_code == 422
    assert HTTP.delete(url, headers=admin).status_code == 204
    assert HTTP.get(url, headers=admin).status_code == 404
    with world.uow(write=False) as uow:
        actions = [row.action for row in uow.session.scalars(select(m.EventRecord).where(
            m.EventRecord.entity == "webhook_endpoint", m.EventRecord.entity_id == endpoint["id"]).order_by(
                m.EventRecord.id))]
        assert actions == ["webhook.endpoint_created", "webhook.endpoint_updated", "webhook.endpoint_deleted"]
        assert all("secret" not in str(row.after) for row in uow.session.scalars(select(m.EventRecord)))


def test_staff_who_are_not_admins_cannot_manage_endpoints(client, world):
    from bookable.domain.actors import Role

    staff = {"Authorization": f"Bearer {add_api_key(world, Role.STAFF)}"}
    assert client.get(f"{API}/webhooks", headers=staff).status_code == 403
    assert client.get(f"{API}/outbox/status", headers=staff).status_code == 200
