"""Thirty members post the booking form of a class with ten places at the same moment, against a
real server: exactly ten are booked, the other twenty are told it is full, nothing is oversold."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from lxml import html
from sqlalchemy import func, select
from tests.local_dates import local_today

from bookable.services.accounts import hash_password
from bookable.storage import models as m

MEMBERS = 30
PLACES = 10


def _form(page: str, action: str, **wanted: str) -> dict[str, str]:
    for form in html.fromstring(page).forms:
        fields = dict(form.form_values())
        if form.get("action", "").endswith(action) and all(fields.get(k) == v for k, v in wanted.items()):
            return fields
    raise AssertionError(f"no {action} form")


def test_thirty_members_posting_the_booking_form_for_ten_places_leave_exactly_ten(world, live_server):
    day = local_today() + timedelta(days=2)
    slot_id = world.slots(world.offering(spaces=PLACES, start_date=day).id)[0].id
    password_hash = hash_password("member-pass")  # once: argon2 is slow on purpose
    members = [(0, f"racer{n}@example.org", "member-pass") for n in range(MEMBERS)]
    for _, email, _ in members:
        world.person(email=email, password_hash=password_hash)
    site = f"/{world.tenant.slug}/"
    start = threading.Barrier(MEMBERS)

    def attempt(member: tuple[int, str, str]) -> str:
        _, login, password = member
        with httpx.Client(base_url=live_server, timeout=120) as http:
            fields = _form(http.get(site + "login").text, "/login")
            http.post(site + "login", data={**fields, "login": login, "password": password})
            booking = _form(http.get(site, params={"week": day.isoformat()}).text, "/book", slot=str(slot_id))
            start.wait()
            answer = http.post(site + "book", data=booking)
            assert answer.status_code == 303, answer.text[:300]
            return re.search(r"(done|error)=(\w+)", answer.headers["location"]).group(0)

    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        outcomes = list(pool.map(attempt, members))

    assert sorted(outcomes) == sorted(["done=booked"] * PLACES + ["error=full"] * (MEMBERS - PLACES))
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.coalesce(func.sum(m.Booking.places), 0)).where(
            m.Booking.slot_id == slot_id, m.Booking.status.in_(("confirmed", "reserved"))))
        web = uow.session.scalar(select(func.count()).select_from(m.Booking).where(
            m.Booking.slot_id == slot_id, m.Booking.channel == "web"))
    assert (held, web) == (PLACES, PLACES)
