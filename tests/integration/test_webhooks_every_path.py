"""Every write path fires webhooks: a booking, a waiting-list place, a cancellation and the promotion
it causes, made through the native API, each dialect and the members' web pages of a live server,
reach the receiver as the same events, each saying which API it came through.

BookingBug's API has no booking calls (spec 001: sessions and slots only); through it, raising a
session's spaces promotes from the waiting list and destroying it with cancel_bookings=true cancels
its bookings: those are the events it fires."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from bench.webhook_receiver import Receiver, receiving
from standardwebhooks.webhooks import Webhook
from tests.conftest import World, add_api_key, add_member, add_staff
from tests.integration.test_webhooks import FAST, add_endpoint
from tests.live_server import serving

from bookable.domain.offering import Kind
from bookable.notifications.running import WorkerThread, worker_for
from bookable.services.registrations import create_registration
from bookable.settings import Settings

HTTP = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
"""Patient with a server on a busy machine (a client time-out, not a timing assertion); no kept connections."""

TYPES = ["booking.created", "booking.waitlisted", "booking.cancelled", "booking.promoted"]
BOOK_CANCEL_PROMOTE = ["booking.created", "booking.waitlisted", "booking.cancelled", "booking.promoted"]


@pytest.fixture(scope="module")
def live(database: Any) -> Iterator[str]:
    from bookable.api.app import create_app

    with serving(create_app(database, roll_horizons=False, settings=Settings(**FAST))) as base:
        yield base


@pytest.fixture(scope="module")
def worker(database: Any) -> Iterator[WorkerThread]:
    with WorkerThread(worker_for(database, Settings(**FAST))) as running:
        yield running


@dataclass
class Club:
    base: str
    world: World
    key: dict[str, str]  # admin Bearer
    basic: tuple[str, str]  # admin user

    def slot(self, spaces: int = 1) -> int:
        return self.world.slots(self.world.offering(spaces=spaces).id)[0].id

    def native_book(self, slot_id: int, person_id: int, waiting: bool = False) -> int:
        path = "/api/v1/bookings/waiting-list" if waiting else "/api/v1/bookings"
        answer = HTTP.post(self.base + path, headers=self.key, json={"slot_id": slot_id, "person_id": person_id})
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])


def through_native(club: Club) -> str:
    slot = club.slot()
    first = club.native_book(slot, club.world.person())
    club.native_book(slot, club.world.person(), waiting=True)
    answer = HTTP.post(f"{club.base}/api/v1/bookings/{first}/cancel", headers=club.key, json={})
    assert answer.status_code == 200, answer.text
    return "native"


def through_views(club: Club) -> str:
    slot = club.slot()
    url = f"{club.base}/api/restful/work/sessiongroups/sessions/{slot}/participants"
    person = club.world.person()
    added = HTTP.put(url, auth=club.basic, headers={"Content-Type": "text/xml"},
                      content=f"<participant><ContactID>{person}</ContactID></participant>")
    assert added.status_code in (200, 201), added.text
    club.native_book(slot, club.world.person(), waiting=True)
    [booking] = [b for b in _bookings(club, slot) if b["person_id"] == person]
    removed = HTTP.delete(f"{url}/{booking['id']}", auth=club.basic, headers={"Content-Type": "text/xml"})
    assert removed.status_code == 200, removed.text
    return "views"


def through_brp(club: Club) -> str:
    slot = club.slot()
    _, login, password = add_member(club.world)
    apikey = add_api_key(club.world)
    base = f"{club.base}/{club.world.tenant.slug}/api/ver2/bookings.json"
    booked = HTTP.post(base, params={"apikey": apikey}, auth=(login, password),
                        data={"type": "ordinary", "activityid": slot})
    assert booked.status_code == 200, booked.text
    club.native_book(slot, club.world.person(), waiting=True)
    booking_id = orjson.loads(booked.content)["booking"]["id"]
    cancelled = HTTP.delete(f"{club.base}/{club.world.tenant.slug}/api/ver2/bookings/{booking_id}.json",
                             params={"apikey": apikey, "type": "ordinary"}, auth=(login, password))
    assert cancelled.status_code == 204, cancelled.text
    return "brp"


def through_ym(club: Club) -> str:
    world = club.world
    event = world.offering(kind=Kind.EVENT, spaces=1)
    [session] = [slot.id for slot in world.slots(event.id)]
    codes = []
    for _ in range(2):
        with world.uow() as uow:
            codes.append(create_registration(uow, world.admin, event.id, world.person(), f"R-{time.time_ns()}",
                                             None).code)
            uow.commit()
    url = f"{club.base}/Ams/{world.tenant.client_id}/Event/{event.id}/EventRegistrationSessions"
    headers = {**club.key, "Content-Type": "application/json", "Accept": "application/json"}
    for code in codes:
        answer = HTTP.post(url, headers=headers, json={"RegistrationID": code, "SessionIds": [session]})
        assert answer.status_code in (200, 201), answer.text
    removed = HTTP.request("DELETE", url, headers=headers,
                            content=orjson.dumps({"RegistrationID": codes[0], "SessionIds": [session]}))
    assert removed.status_code == 200, removed.text
    return "ym"


def through_bookingbug(club: Club) -> str:
    offering = club.world.offering(spaces=1)
    slot = club.world.slots(offering.id)[0].id
    club.native_book(slot, club.world.person())
    club.native_book(slot, club.world.person(), waiting=True)
    headers = {"Content-Type": "text/xml"}
    raised = HTTP.put(f"{club.base}/api/sessions/{offering.id}.xml", auth=club.basic, headers=headers,
                       content="<session><spaces>2</spaces></session>")
    assert raised.status_code == 200, raised.text
    gone = HTTP.delete(f"{club.base}/api/sessions/{offering.id}.xml", params={"cancel_bookings": "true"},
                        auth=club.basic)
    assert gone.status_code == 200, gone.text
    return "bookingbug"


def through_web(club: Club) -> str:
    from tests.web.web_support import Visitor

    world = club.world
    slot = world.slots(world.offering(spaces=1).id)[0]
    person_id, login, password = add_member(world)
    with httpx.Client(base_url=club.base, timeout=30) as browser:
        visitor = Visitor(browser, world.tenant.slug)
        assert visitor.log_in(login, password).status == 200
        booked = visitor.post("book", visitor.week_of(slot.local_date).form("/book", slot=slot.id))
        assert "You are booked." in booked.message(), booked.text[:300]
        club.native_book(slot.id, world.person(), waiting=True)
        [mine] = [b for b in _bookings(club, slot.id) if b["person_id"] == person_id]
        cancelled = visitor.post("cancel", visitor.week_of(slot.local_date).form("/cancel", booking=mine["id"]))
        assert "Your booking is cancelled." in cancelled.message()
    return "web"


def _bookings(club: Club, slot_id: int) -> list[dict[str, Any]]:
    answer = HTTP.get(f"{club.base}/api/v1/bookings", headers=club.key, params={"slot_id": slot_id})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


WRITE_PATHS: dict[str, tuple[Callable[[Club], str], list[str]]] = {
    "native": (through_native, BOOK_CANCEL_PROMOTE),
    "views": (through_views, BOOK_CANCEL_PROMOTE),
    "brp": (through_brp, BOOK_CANCEL_PROMOTE),
    "ym": (through_ym, BOOK_CANCEL_PROMOTE),
    "web": (through_web, BOOK_CANCEL_PROMOTE),
    "bookingbug": (through_bookingbug, ["booking.created", "booking.waitlisted", "booking.promoted",
                                        "booking.cancelled", "booking.cancelled"]),
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.mark.parametrize("path", list(WRITE_PATHS))
def test_each_api_fires_the_same_webhooks_for_booking_cancelling_and_promoting(live, worker, receiver, world, path):
    key = {"Authorization": f"Bearer {add_api_key(world)}"}
    club = Club(live, world, key, add_staff(world))
    endpoint = add_endpoint(live, key, receiver.url, TYPES)
    write, expected = WRITE_PATHS[path]

    channel = write(club)

    deadline = time.monotonic() + 30
    while len(distinct(receiver)) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # nothing more arrives
    requests = distinct(receiver)  # a repeat (a try that timed out on a loaded machine) is dropped by its id
    payloads = sorted((Webhook(endpoint["secret"]).verify(r.body, r.headers) for r in requests),
                      key=lambda payload: payload["id"])
    assert [p["type"] for p in payloads] == expected
    own = [p for p in payloads if p["data"]["channel"] == channel]
    assert {p["type"] for p in own} >= {"booking.cancelled", "booking.promoted"}  # the dialect's own write
    assert all(p["data"]["entity"] == "booking" and p["data"]["after"]["status"] for p in payloads)


def distinct(receiver: Receiver) -> list[Any]:
    return list({request.headers["webhook-id"]: request for request in list(receiver.requests)}.values())
