"""List and show sessions (spec 001): only the caller's company; slot counts from every API."""

from __future__ import annotations

from datetime import time, timedelta

from bookingbug_support import BookingBug, other_company_session, texts, xml
from tests.local_dates import local_today

from bookable.domain.actors import Channel
from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services import accounts
from bookable.services.bookings import WaitlistPolicy, book, cancel


def test_the_list_shows_each_session_of_the_company_with_its_name_and_group(bb: BookingBug):
    first = bb.world.offering(name="My Event", group="My Group")
    second = bb.world.offering(name="Another Event", group="My Group")

    response = bb.get("/api/sessions.xml")

    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "sessions"
    sessions = root.findall("session")
    assert [s.get("id") for s in sessions] == [str(first.id), str(second.id)]
    assert [[child.tag for child in s] for s in sessions] == [["name", "group"], ["name", "group"]]
    assert [(s.findtext("name"), s.findtext("group")) for s in sessions] == [
        ("My Event", "My Group"),
        ("Another Event", "My Group"),
    ]


def test_the_list_never_shows_another_companys_sessions(bb: BookingBug):
    other, _ = other_company_session(bb.world)
    mine = bb.world.offering(name="Mine")

    ids = [s.get("id") for s in xml(bb.get("/api/sessions.xml")).findall("session")]

    assert ids == [str(mine.id)]
    assert str(other) not in ids


def test_an_empty_company_lists_no_sessions(bb: BookingBug):
    response = bb.get("/api/sessions.xml")

    assert response.status_code == 200
    assert xml(response).tag == "sessions" and len(xml(response)) == 0


def test_show_gives_the_specs_fields_in_the_specs_order_then_the_extras(bb: BookingBug):
    start = local_today() + timedelta(days=10)
    offering = bb.world.offering(
        name="My Event",
        group="My Group",
        start_time=time(10, 0),
        start_date=start,
        end_date=start + timedelta(days=5),
        repeat=Repeat.DAILY,
        spaces=8,
    )
    slots = bb.slots(offering.id)

    response = bb.get(f"/api/sessions/{offering.id}.xml")

    assert response.status_code == 200
    session = xml(response)
    assert session.tag == "session" and session.get("id") == str(offering.id)
    assert [child.tag for child in session][:6] == ["name", "group", "time", "start_date", "end_date", "slots"]
    fields = texts(session)
    assert (fields["name"], fields["group"], fields["time"]) == ("My Event", "My Group", "10:00")
    assert (fields["start_date"], fields["end_date"]) == (start.isoformat(), (start + timedelta(days=5)).isoformat())
    assert fields["type"] == "0" and fields["spaces"] == "8" and fields["repeat"] == "5"
    shown = session.find("slots").findall("slot")
    assert [s.get("id") for s in shown] == [str(s.id) for s in slots]
    assert len(shown) == 6
    assert [child.tag for child in shown[0]] == ["date", "spaces_booked", "spaces_reserved", "time", "duration"]
    assert [s.findtext("date") for s in shown] == [(start + timedelta(days=i)).isoformat() for i in range(6)]
    assert {(s.findtext("spaces_booked"), s.findtext("spaces_reserved")) for s in shown} == {("0", "0")}


def test_places_booked_through_the_engine_show_as_booked_and_reserved(bb: BookingBug):
    offering = bb.world.offering(spaces=10, max_num_bookings=4)
    (slot,) = bb.slots(offering.id)
    staff = bb.world.actor(channel=Channel.VIEWS)
    anna, bo, cai = bb.world.person("Anna"), bb.world.person("Bo"), bb.world.person("Cai")
    with bb.world.uow() as uow:
        book(uow, staff, person_id=anna, slot_id=slot.id, places=3)
        book(uow, staff, person_id=bo, slot_id=slot.id, places=2, confirmed=False)
        cancelled = book(uow, staff, person_id=cai, slot_id=slot.id, places=4)
        cancel(uow, staff, cancelled.booking.id)
        uow.commit()

    shown = xml(bb.get(f"/api/sessions/{offering.id}.xml")).find("slots/slot")

    assert (shown.findtext("spaces_booked"), shown.findtext("spaces_reserved")) == ("3", "2")


def test_waiting_bookings_are_neither_booked_nor_reserved_places(bb: BookingBug):
    offering = bb.world.offering(spaces=1)
    (slot,) = bb.slots(offering.id)
    anna, bo = bb.world.person("Anna"), bb.world.person("Bo")
    with bb.world.uow() as uow:
        book(uow, bb.world.admin, person_id=anna, slot_id=slot.id)
        book(uow, bb.world.admin, person_id=bo, slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()

    shown = xml(bb.get(f"/api/sessions/{offering.id}.xml")).find("slots/slot")

    assert (shown.findtext("spaces_booked"), shown.findtext("spaces_reserved")) == ("1", "0")


def test_a_whole_course_booking_counts_on_every_slot_of_the_course(bb: BookingBug):
    start = local_today() + timedelta(days=5)
    offering = bb.world.offering(
        kind=Kind.COURSE, start_date=start, end_date=start + timedelta(days=14), repeat=Repeat.WEEKLY, spaces=6
    )
    anna = bb.world.person("Anna")
    with bb.world.uow() as uow:
        book(uow, bb.world.admin, person_id=anna, offering_id=offering.id, confirmed=False)
        uow.commit()

    shown = xml(bb.get(f"/api/sessions/{offering.id}.xml")).find("slots").findall("slot")

    assert [(s.findtext("spaces_booked"), s.findtext("spaces_reserved")) for s in shown] == [("0", "1")] * 3


def test_another_companys_session_is_not_found(bb: BookingBug):
    other, _ = other_company_session(bb.world)

    response = bb.get(f"/api/sessions/{other}.xml")

    assert response.status_code == 404
    assert xml(response).findtext("error")


def test_unknown_or_malformed_session_ids_are_not_found(bb: BookingBug):
    for path in (
        "/api/sessions/999999999.xml",
        "/api/sessions/abc.xml",
        "/api/sessions/99999999999999.xml",
        "/api/sessions/-1.xml",
    ):
        response = bb.get(path)
        assert response.status_code == 404, path
        assert xml(response).find("error").get("code") == "not_found"


def test_bearer_api_keys_are_accepted_like_staff_logins(bb: BookingBug):
    offering = bb.world.offering(name="Keyed")
    with bb.world.uow() as uow:
        _, key = accounts.add_api_key(uow, bb.world.tenant, "bb")
        uow.commit()

    response = bb.client.get("/api/sessions.xml", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    assert [s.get("id") for s in xml(response).findall("session")] == [str(offering.id)]


def test_bookings_made_and_cancelled_through_the_native_api_show_at_once(bb: BookingBug):
    created = bb.post("/api/sessions.xml", "<session><group>G</group><spaces>5</spaces></session>")
    session_id = xml(created).get("id")
    slot_id = int(xml(created).find("slots/slot").get("id"))
    anna, bo = bb.world.person("Anna"), bb.world.person("Bo")

    confirmed = bb.client.post("/api/v1/bookings", json={"person_id": anna, "slot_id": slot_id}, auth=bb.auth)
    reserved = bb.client.post(
        "/api/v1/bookings", json={"person_id": bo, "slot_id": slot_id, "confirmed": False}, auth=bb.auth
    )
    assert (confirmed.status_code, reserved.status_code) == (201, 201), confirmed.text + reserved.text
    shown = xml(bb.get(f"/api/sessions/{session_id}.xml")).find("slots/slot")
    assert (shown.findtext("spaces_booked"), shown.findtext("spaces_reserved")) == ("1", "1")

    cancelled = bb.client.post(f"/api/v1/bookings/{confirmed.json()['id']}/cancel", json={}, auth=bb.auth)
    assert cancelled.status_code == 200, cancelled.text
    shown = xml(bb.get(f"/api/sessions/{session_id}.xml")).find("slots/slot")
    assert (shown.findtext("spaces_booked"), shown.findtext("spaces_reserved")) == ("0", "1")
