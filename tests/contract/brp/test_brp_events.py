"""GET events (spec 002 and 003 filters, booking rules as timepoints, participants) and POST eventbookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from brp_support import FORMATS, document, error_of, make_offering
from tests.local_dates import local_today

from bookable.domain.localtime import to_utc
from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services.bookings import book

TODAY = local_today()
START = TODAY + timedelta(days=3)
ZONE = "Europe/Stockholm"


def course(world, c, **spec):
    values = dict(kind=Kind.COURSE, name="Simskola", product=c.course_product, business_unit=c.centrum,
                  resources=(c.lena,), start_date=START, start_time=time(13, 45), repeat=Repeat.WEEKLY,
                  end_date=START + timedelta(days=21), spaces=12, online_spaces=10, max_advance=30,
                  booking_cutoff_minutes=60, code="2015STOD", description="Simning for barn",
                  event_message="Andra trappan")
    values.update(spec)
    return make_offering(world, **values)


def one_off(world, c, **spec):
    values = dict(kind=Kind.EVENT, name="Spinntour", product=c.event_product, business_unit=c.norr,
                  start_date=START + timedelta(days=1), start_time=time(10, 0), spaces=20)
    values.update(spec)
    return make_offering(world, **values)


def events_of(response):
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == "events"
    return content


def event_ids(brp, fmt="xml", **params):
    return [int(e["id"]) for e in events_of(brp.get("events", fmt, member=False, **params))]


def local(instant):
    return instant.astimezone(__import__("zoneinfo").ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_event_carries_every_field_of_spec_002(brp, fmt):
    c, world = brp.catalogue, brp.world
    offering = course(world, c, publish=(datetime(2026, 1, 1, 22, tzinfo=UTC), datetime(2099, 1, 1, 22, tzinfo=UTC)))
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person("Homer"), offering_id=offering.id)
        uow.commit()
    [event] = events_of(brp.get("events", fmt, member=False))
    assert event == {
        "id": str(offering.id), "name": "Simskola", "code": "2015STOD", "productid": str(c.course_product),
        "description": "Simning for barn", "lastupdate": local(offering.updated_at),
        "productdescription": "Simning", "numberofoccasions": "4", "time": "13:45",
        "startdate": START.isoformat(), "enddate": (START + timedelta(days=21)).isoformat(),
        "publishstart": "2026-01-01 23:00", "publishend": "2099-01-01 23:00",
        "bookableslots": "10", "filledslots": "1",
        "businessunit": {"id": str(c.centrum), "name": "Centrum"}, "orderid": "",
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_includebooking_adds_registered_and_the_booking_window_as_timepoints(brp, fmt):
    c, world = brp.catalogue, brp.world
    offering = course(world, c)
    first_start = to_utc(START, time(13, 45), ZONE)
    earliest = to_utc(START - timedelta(days=30), time(13, 45), ZONE)
    latest = first_start - timedelta(minutes=60)
    [event] = events_of(brp.get("events", fmt, includebooking="true"))
    assert event["registered"] == "false"
    assert event["bookableearliest"] == {"timepoint": {
        "timestamp": str(int(earliest.timestamp())), "datetime": local(earliest),
        "date": local(earliest)[:10], "time": "13:45"}}
    assert event["bookablelatest"] == {"timepoint": {
        "timestamp": str(int(latest.timestamp())), "datetime": local(latest), "date": START.isoformat(),
        "time": "12:45"}}
    with world.uow() as uow:
        book(uow, world.admin, person_id=brp.member_id, offering_id=offering.id)
        uow.commit()
    [event] = events_of(brp.get("events", fmt, includebooking="true"))
    assert event["registered"] == "true"
    assert "registered" not in events_of(brp.get("events", fmt, member=False))[0]


def test_includebooking_on_events_requires_the_members_login(brp):
    response = brp.get("events", "json", member=False, includebooking="true")
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 1010


@pytest.mark.parametrize("fmt", FORMATS)
def test_includeparticipants_lists_who_holds_a_place(brp, fmt):
    c, world = brp.catalogue, brp.world
    offering = course(world, c)
    empty = one_off(world, c)
    homer = world.person("Homer", "Simpson")
    with world.uow() as uow:
        booking = book(uow, world.admin, person_id=homer, offering_id=offering.id).booking.id
        uow.commit()
    events = events_of(brp.get("events", fmt, member=False, includeparticipants="true"))
    by_id = {int(e["id"]): e for e in events}
    assert by_id[offering.id]["participants"] == [
        {"id": str(homer), "personid": str(homer), "firstname": "Homer", "lastname": "Simpson",
         "eventbookingid": str(booking)}]
    assert by_id[empty.id]["participants"] == []


def test_only_courses_and_event_products_are_events(brp):
    c, world = brp.catalogue, brp.world
    a_course = course(world, c, product=None)
    an_event = one_off(world, c)
    make_offering(world, kind=Kind.EVENT, product=c.spinn, name="Class")
    make_offering(world, kind=Kind.EVENT, name="No product")
    make_offering(world, kind=Kind.RECURRING, product=c.event_product, name="Weekly")
    course(world, c, disabled=True, name="Hidden")
    assert event_ids(brp) == [a_course.id, an_event.id]


@pytest.mark.parametrize("fmt", FORMATS)
def test_business_unit_filters_of_both_specs(brp, fmt):
    c, world = brp.catalogue, brp.world
    centre, north = course(world, c).id, one_off(world, c).id
    assert event_ids(brp, fmt, businessunit=c.norr) == [north]
    assert event_ids(brp, fmt, businessunitids=f"{c.norr},{c.centrum}") == [centre, north]
    assert event_ids(brp, fmt, businessunitid=c.centrum) == [centre]
    both = brp.get("events", fmt, member=False, businessunit=c.norr, businessunitids=c.norr)
    assert both.status_code == 400 and error_of(both)["code"] == "1001"


@pytest.mark.parametrize("fmt", FORMATS)
def test_label_resource_and_internet_filters(brp, fmt):
    c, world = brp.catalogue, brp.world
    swim = course(world, c).id                       # labels: Medel; resource Lena
    tour = one_off(world, c, resources=(c.sal,)).id  # labels: Spinning
    desk = one_off(world, c, bookable_from_internet=False, name="Desk").id
    assert event_ids(brp, fmt, productlabel=c.spinning) == [tour]
    assert event_ids(brp, fmt, productlabelid=c.level) == [swim]
    assert event_ids(brp, fmt, resourceid=c.lena) == [swim]
    assert event_ids(brp, fmt, resourceid=c.sal) == [tour]
    assert event_ids(brp, fmt) == [swim, tour]
    assert event_ids(brp, fmt, bookablefrominternet="false") == [swim, tour, desk]
    bad = brp.get("events", fmt, member=False, productlabel="1,2")
    assert bad.status_code == 400 and error_of(bad)["debug"] == "field=productlabel"


@pytest.mark.parametrize("fmt", FORMATS)
def test_date_filters_and_the_default_of_events_not_yet_ended(brp, fmt):
    c, world = brp.catalogue, brp.world
    past = one_off(world, c, start_date=TODAY - timedelta(days=10), name="Past").id
    swim = course(world, c).id  # START .. START + 21 days
    late = one_off(world, c, start_date=START + timedelta(days=40), name="Late").id
    assert event_ids(brp, fmt) == [swim, late]
    assert event_ids(brp, fmt, ongoingdate=(START + timedelta(days=10)).isoformat()) == [swim]
    assert event_ids(brp, fmt, ongoingdate=(TODAY - timedelta(days=10)).isoformat()) == [past]
    assert event_ids(brp, fmt, startdate=(START + timedelta(days=1)).isoformat()) == [late]
    assert event_ids(brp, fmt, startdate=(TODAY - timedelta(days=30)).isoformat()) == [past, swim, late]
    assert event_ids(brp, fmt, enddate=(START + timedelta(days=21)).isoformat()) == [past, swim]
    assert event_ids(brp, fmt, startdate=START.isoformat(), enddate=(START + timedelta(days=30)).isoformat()) == [swim]


def test_publish_date_filters(brp):
    c, world = brp.catalogue, brp.world
    early = one_off(world, c, name="Early", publish=(to_utc(date(2027, 1, 1), time(0, 0), ZONE),
                                                     to_utc(date(2027, 1, 31), time(23, 0), ZONE))).id
    late = one_off(world, c, name="Late", publish=(to_utc(date(2027, 2, 1), time(9, 0), ZONE),
                                                   to_utc(date(2027, 2, 28), time(9, 0), ZONE))).id
    one_off(world, c, name="Unpublished")
    assert event_ids(brp, publishstartdate="2027-01-01") == [early, late]
    assert event_ids(brp, publishstartdate="2027-01-02") == [late]
    assert event_ids(brp, publishenddate="2027-01-31") == [early]
    assert event_ids(brp, publishenddate="2027-02-28") == [early, late]


@pytest.mark.parametrize(("name", "value"), [
    ("startdate", "2027-02-30"), ("enddate", "27-01-01"), ("ongoingdate", "today"),
    ("publishstartdate", "2027-1-1"), ("publishenddate", "2027-01-01 10:00"),
    ("businessunitids", "1,,2"), ("businessunitids", "a,b"), ("resourceid", "0"),
    ("includeparticipants", "yes"), ("productlabel", "1.5"),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_event_filters_are_refused(brp, name, value, fmt):
    response = brp.get("events", fmt, member=False, **{name: value})
    assert response.status_code == 400
    assert error_of(response) == {"code": "1001", "message": f"Felaktig parameter, {name}", "debug": f"field={name}"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_event_at_18_local_shows_18_and_the_right_epoch_across_dst(brp, fmt):
    c, world = brp.catalogue, brp.world
    days = {date(2027, 3, 27): 17, date(2027, 3, 29): 16, date(2027, 10, 30): 16, date(2027, 11, 1): 17}
    for day in days:
        one_off(world, c, start_date=day, start_time=time(18, 0), name=f"Tour {day}")
    events = events_of(brp.get("events", fmt, includebooking="true", startdate="2027-03-01"))
    assert [(e["startdate"], e["time"]) for e in events] == [(day.isoformat(), "18:00") for day in days]
    for event, (day, utc_hour) in zip(events, days.items(), strict=True):
        instant = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
        assert event["bookablelatest"]["timepoint"] == {
            "timestamp": str(int(instant.timestamp())), "datetime": f"{day.isoformat()} 18:00",
            "date": day.isoformat(), "time": "18:00"}


# ------------------------------------------------------------------ POST eventbookings

@pytest.mark.parametrize("fmt", FORMATS)
def test_booking_an_event_books_the_member_on_the_whole_course(brp, fmt):
    c, world = brp.catalogue, brp.world
    offering = course(world, c)
    response = brp.post("eventbookings", fmt, form={"eventid": offering.id, "type": "ordinary"})
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == "eventbooking"
    with world.uow(write=False) as uow:
        booking = uow.bookings.booking(int(content["id"]))
        assert (booking.person_id, booking.offering_id, booking.slot_id, booking.status, booking.channel) == (
            brp.member_id, offering.id, None, "confirmed", "brp")
        loads = uow.loads.for_slots(uow.offerings.slots_of(offering.id), [offering.id])
        assert [load.held for load in loads.values()] == [1, 1, 1, 1]
    assert content["participant"] == {"id": str(brp.member_id), "firstname": "Tessan", "lastname": "Testsson"}
    assert content["businessunit"] == {"id": str(c.centrum), "name": "Centrum"}
    assert content["start"] == f"{START.isoformat()} 13:45"
    assert content["end"] == f"{(START + timedelta(days=21)).isoformat()} 14:30"
    assert content["eventmessage"] == "Andra trappan"
    assert content["product"]["id"] == str(c.course_product) and content["product"]["name"] == "Simskola"
    [event] = events_of(brp.get("events", fmt, includebooking="true"))
    assert (event["registered"], event["filledslots"]) == ("true", "1")


def test_booking_a_one_off_event_takes_its_single_slot(brp):
    c, world = brp.catalogue, brp.world
    offering = one_off(world, c)
    response = brp.post("eventbookings", "json", eventid=offering.id, type="ordinary")
    assert response.status_code == 200, response.text
    with world.uow(write=False) as uow:
        booking = uow.bookings.booking(response.json()["eventbooking"]["id"])
        assert booking.slot_id == world.slots(offering.id)[0].id


@pytest.mark.parametrize("fmt", FORMATS)
def test_event_booking_errors(brp, fmt):
    c, world = brp.catalogue, brp.world
    offering = course(world, c, spaces=1)
    activity = make_offering(world, product=c.spinn)
    assert brp.post("eventbookings", fmt, form={"eventid": offering.id, "type": "ordinary"}).status_code == 200
    twice = brp.post("eventbookings", fmt, form={"eventid": offering.id, "type": "ordinary"})
    assert twice.status_code == 409 and error_of(twice)["code"] == "2002"
    full_for_others = course(world, c, spaces=1, name="Full")
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person("First"), offering_id=full_for_others.id)
        uow.commit()
    full = brp.post("eventbookings", fmt, form={"eventid": full_for_others.id, "type": "ordinary"})
    assert full.status_code == 409 and error_of(full)["code"] == "2001"
    for unknown in (987654321, activity.id):
        missing = brp.post("eventbookings", fmt, form={"eventid": unknown, "type": "ordinary"})
        assert missing.status_code == 404 and error_of(missing)["debug"] == "field=eventid"
    queue = brp.post("eventbookings", fmt, form={"eventid": offering.id, "type": "waitinglist"})
    assert queue.status_code == 400 and error_of(queue)["debug"] == "field=type"
    anonymous = brp.post("eventbookings", fmt, member=False, form={"eventid": offering.id, "type": "ordinary"})
    assert anonymous.status_code == 401


def test_an_event_outside_its_booking_window_is_refused(brp):
    c, world = brp.catalogue, brp.world
    offering = course(world, c, max_advance=1)
    response = brp.post("eventbookings", "json", form={"eventid": offering.id, "type": "ordinary"})
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == 2005
    with world.uow(write=False) as uow:
        assert uow.bookings.active_on_offering(offering.id) == []
