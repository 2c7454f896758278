"""Create sessions (spec 001): ?type=event|course|recurring_event, each type's documented defaults."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from bookingbug_support import BookingBug, texts, xml

from bookable.domain.actors import utc_now
from bookable.domain.localtime import to_local
from bookable.storage import models as m

SPEC_EVENT = "<session> <name>My Event</name> <group>My Group</group> </session>"
SPEC_COURSE = "<session> <name>My Course</name> <group>My Group</group> </session>"
# The spec's own body for a recurring event (it reuses the course's name).
SPEC_RECURRING = "<session> <name>My Course</name> <group>My Group</group> </session>"


def local_now(zone: str) -> datetime:
    return to_local(utc_now(), zone)


def created(bb: BookingBug, response) -> m.Offering:
    assert response.status_code == 201, response.text
    session_id = int(xml(response).get("id"))
    (offering,) = [o for o in bb.offerings() if o.id == session_id]
    return offering


def set_zone(bb: BookingBug, zone: str) -> None:
    with bb.world.uow() as uow:
        uow.tenants.get(bb.world.tenant.id).timezone = zone
        uow.commit()


def test_creating_an_event_answers_201_with_a_location_and_the_sessions_xml(bb: BookingBug):
    response = bb.post("/api/sessions.xml?type=event", SPEC_EVENT)

    offering = created(bb, response)
    assert response.headers["location"] == f"http://testserver/api/sessions/{offering.id}.xml"
    session = xml(response)
    assert (session.findtext("name"), session.findtext("group")) == ("My Event", "My Group")
    assert bb.get(f"/api/sessions/{offering.id}.xml").content == response.content


def test_an_event_gets_the_documented_event_defaults_in_the_companys_time_zone(bb: BookingBug):
    zone = "Pacific/Kiritimati"  # UTC+14: its date differs from UTC's for most of the day
    set_zone(bb, zone)
    before = local_now(zone)
    response = bb.post("/api/sessions.xml?type=event", SPEC_EVENT)
    after = local_now(zone)

    offering = created(bb, response)
    week_later = {before.date() + timedelta(days=7), after.date() + timedelta(days=7)}
    assert offering.kind == "event" and offering.name == "My Event" and offering.group_name == "My Group"
    assert offering.start_date in week_later and offering.end_date == offering.start_date
    assert offering.repeat == 0 and offering.duration == 120 and offering.min_cancel == 5
    assert before.replace(second=0, microsecond=0).time().replace(tzinfo=None) <= offering.start_time
    assert offering.start_time <= after.time().replace(tzinfo=None) and offering.start_time.second == 0
    assert (offering.spaces, offering.max_num_bookings, offering.price, offering.max_advance) == (1, 1, None, None)
    assert (offering.disabled, offering.ask_address, offering.ticket_type, offering.description) == (
        False,
        False,
        0,
        "",
    )
    (slot,) = bb.slots(offering.id)
    assert (slot.local_date, slot.local_time, slot.duration) == (offering.start_date, offering.start_time, 120)


def test_a_course_gets_the_documented_course_defaults(bb: BookingBug):
    before = local_now("Europe/Stockholm")
    offering = created(bb, bb.post("/api/sessions.xml?type=course", SPEC_COURSE))

    assert offering.kind == "course" and offering.name == "My Course"
    assert offering.start_date - before.date() in (timedelta(days=7), timedelta(days=8))
    assert offering.end_date == offering.start_date
    assert (offering.repeat, offering.duration, offering.min_cancel, offering.max_advance) == (6, 60, 5, None)
    assert len(bb.slots(offering.id)) == 1


def test_a_recurring_event_is_weekly_and_open_ended_up_to_its_booking_horizon(bb: BookingBug):
    before = local_now("Europe/Stockholm")
    offering = created(bb, bb.post("/api/sessions.xml?type=recurring_event", SPEC_RECURRING))

    today = offering.start_date - timedelta(days=7)
    assert today in (before.date(), before.date() + timedelta(days=1))
    assert offering.kind == "recurring" and offering.end_date is None
    assert (offering.repeat, offering.duration, offering.min_cancel, offering.max_advance) == (1, 60, 5, 60)
    expected = [offering.start_date + timedelta(weeks=k) for k in range(8)]  # up to today + 60 days
    assert [s.local_date for s in bb.slots(offering.id)] == expected
    shown = xml(bb.get(f"/api/sessions/{offering.id}.xml"))
    assert shown.findtext("end_date") == "" and len(shown.find("slots")) == 8


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("?type=event", "My Event"),
        ("?type=course", "My Course"),
        ("?type=recurring_event", "My Recurring Event"),
    ],
)
def test_a_session_without_a_name_gets_its_types_default_name(bb: BookingBug, query: str, name: str):
    offering = created(bb, bb.post(f"/api/sessions.xml{query}", "<session><group>G</group></session>"))

    assert offering.name == name


def test_without_a_type_a_session_is_an_event(bb: BookingBug):
    offering = created(bb, bb.post("/api/sessions.xml", SPEC_EVENT))

    assert offering.kind == "event" and offering.duration == 120


@pytest.mark.parametrize(
    ("query", "body_type", "kind"),
    [
        ("?type=0", "", "event"),
        ("?type=1", "", "course"),
        ("?type=2", "", "recurring"),
        ("?session_type=1", "", "course"),
        ("", "<type>2</type>", "recurring"),
        ("", "<session_type>1</session_type>", "course"),
        ("?type=course", "<type>1</type>", "course"),
    ],
)
def test_the_numeric_session_type_is_accepted_as_the_type(bb: BookingBug, query: str, body_type: str, kind: str):
    body = f"<session><group>G</group>{body_type}</session>"

    offering = created(bb, bb.post(f"/api/sessions.xml{query}", body))

    assert offering.kind == kind


def test_every_parameter_of_the_parameters_table_is_stored(bb: BookingBug):
    body = """<session>
      <name>Pottery for beginners</name><group>Crafts</group><description>Bring an apron.</description>
      <start_date>2031-03-03</start_date><end_date>2031-03-24</end_date><time>18:30</time>
      <duration>90</duration><spaces>12</spaces><price>45.50</price><max_num_bookings>3</max_num_bookings>
      <repeat>1</repeat><disabled>true</disabled><min_cancel>2</min_cancel><max_advance>90</max_advance>
      <ask_address>1</ask_address><ticket_type>2</ticket_type>
    </session>"""

    response = bb.post("/api/sessions.xml?type=course", body)

    offering = created(bb, response)
    assert (offering.name, offering.group_name, offering.description) == (
        "Pottery for beginners",
        "Crafts",
        "Bring an apron.",
    )
    assert (offering.start_date, offering.end_date, offering.start_time) == (
        date(2031, 3, 3),
        date(2031, 3, 24),
        time(18, 30),
    )
    assert (offering.duration, offering.spaces, offering.price, offering.max_num_bookings) == (
        90,
        12,
        Decimal("45.50"),
        3,
    )
    assert (offering.repeat, offering.disabled, offering.min_cancel, offering.max_advance) == (1, True, 2, 90)
    assert (offering.ask_address, offering.ticket_type) == (True, 2)
    slots = bb.slots(offering.id)
    assert [s.local_date.day for s in slots] == [3, 10, 17, 24]
    assert {(s.local_time, s.duration, s.spaces) for s in slots} == {(time(18, 30), 90, 12)}
    assert slots[0].starts_at == datetime.fromisoformat("2031-03-03T17:30:00+00:00")
    fields = texts(xml(response))
    assert (fields["type"], fields["price"], fields["disabled"], fields["ask_address"]) == (
        "1",
        "45.50",
        "true",
        "true",
    )
    assert (fields["max_advance"], fields["ticket_type"], fields["description"]) == ("90", "2", "Bring an apron.")


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("false", False), ("1", True), ("0", False), ("TRUE", True), (" False ", False)]
)
def test_booleans_accept_true_false_1_and_0(bb: BookingBug, text: str, value: bool):
    body = f"<session><group>G</group><disabled>{text}</disabled><ask_address>{text}</ask_address></session>"

    offering = created(bb, bb.post("/api/sessions.xml", body))

    assert (offering.disabled, offering.ask_address) == (value, value)


def test_a_name_of_exactly_50_characters_is_accepted(bb: BookingBug):
    offering = created(bb, bb.post("/api/sessions.xml", f"<session><name>{'n' * 50}</name><group>G</group></session>"))

    assert offering.name == "n" * 50


def test_empty_price_and_max_advance_mean_none(bb: BookingBug):
    body = "<session><group>G</group><price/><max_advance></max_advance></session>"

    offering = created(bb, bb.post("/api/sessions.xml", body))

    assert (offering.price, offering.max_advance) == (None, None)


def test_a_free_session_costs_zero_and_shows_price_with_two_decimals(bb: BookingBug):
    response = bb.post("/api/sessions.xml", "<session><group>G</group><price>7</price></session>")

    assert created(bb, response).price == Decimal("7.00")
    assert xml(response).findtext("price") == "7.00"


def test_a_booked_places_count_is_read_from_a_session_created_here(bb: BookingBug):
    from bookable.services.bookings import book

    offering = created(bb, bb.post("/api/sessions.xml", "<session><group>G</group><spaces>4</spaces></session>"))
    (slot,) = bb.slots(offering.id)
    person = bb.world.person()
    with bb.world.uow() as uow:
        book(uow, bb.world.admin, person_id=person, slot_id=slot.id, places=1)
        uow.commit()

    shown = xml(bb.get(f"/api/sessions/{offering.id}.xml")).find("slots/slot")
    assert shown.findtext("spaces_booked") == "1"
