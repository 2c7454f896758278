"""POST/GET/DELETE bookings: the logged-in member's activity bookings and waiting-list places."""

from __future__ import annotations

import uuid
from datetime import time, timedelta

import pytest
from brp_support import FORMATS, add_member, document, error_of, make_offering, other_tenant
from tests.idempotency_support import still_running
from tests.local_dates import local_today

from bookable.domain.offering import Kind, Repeat
from bookable.services.bookings import WaitlistPolicy, book
from bookable.services.offerings import set_slot_cancelled
from bookable.storage import models as m

IN_TWO_DAYS = local_today() + timedelta(days=2)


def booking_row(world, booking_id):
    with world.uow(write=False) as uow:
        return uow.bookings.booking(booking_id)


def active_bookings(world, slot_id):
    with world.uow(write=False) as uow:
        return [b for b in uow.bookings.active_on_slots([slot_id])]


def slot_of(world, **spec):
    return world.slots(make_offering(world, **spec).id)[0]


def fill(world, slot, count=1):
    with world.uow() as uow:
        for index in range(count):
            book(uow, world.admin, person_id=world.person(f"Filler{index}"), slot_id=slot.id)
        uow.commit()


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_an_ordinary_booking_books_the_logged_in_member(brp, fmt):
    c, world = brp.catalogue, brp.world
    slot = slot_of(world, product=c.spinn, business_unit=c.centrum)
    response = brp.post("bookings", fmt, form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == "booking"
    booking = booking_row(world, int(content["id"]))
    assert (booking.person_id, booking.slot_id, booking.status, booking.channel) == (
        brp.member_id, slot.id, "confirmed", "brp")
    assert content["type"] == "ordinary"
    assert content["businessunit"] == {"id": str(c.centrum), "name": "Centrum"}
    assert content["start"] == f"{IN_TWO_DAYS.isoformat()} 18:00"
    assert content["end"] == f"{IN_TWO_DAYS.isoformat()} 18:45"
    assert content["product"]["name"] == "Spinn B45" and content["product"]["id"] == str(c.spinn)
    _, listed = document(brp.get("bookings", fmt))
    assert listed["booking"] == [content]  # the answer is the booking as every later read shows it


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_booking_shows_its_activitys_names_as_they_are_now_and_empty_ones_when_it_has_none(brp, fmt):
    c, world = brp.catalogue, brp.world
    first, second = (slot_of(world, product=c.spinn, business_unit=c.centrum, start_time=time(hour, 0))
                     for hour in (17, 19))
    shown = document(brp.post("bookings", fmt, form={"type": "ordinary", "activityid": first.id}))[1]
    assert (shown["businessunit"]["name"], shown["product"]["name"]) == ("Centrum", "Spinn B45")
    with world.uow() as uow:
        uow.session.get(m.Product, c.spinn).name = "Spinn B60"
        uow.session.get(m.BusinessUnit, c.centrum).name = "Centrum City"
        uow.commit()
    shown = document(brp.post("bookings", fmt, form={"type": "ordinary", "activityid": second.id}))[1]
    assert (shown["businessunit"]["name"], shown["product"]["name"]) == ("Centrum City", "Spinn B60")
    _, listed = document(brp.get("bookings", fmt))
    assert listed["booking"][-1] == shown
    bare = slot_of(world, start_time=time(21, 0))
    shown = document(brp.post("bookings", fmt, form={"type": "ordinary", "activityid": bare.id}))[1]
    assert (shown["businessunit"], shown["product"]) == ("", "")  # <businessunit/>, "businessunit": null


def test_the_booking_parameters_may_also_come_in_the_query_string(brp):
    slot = slot_of(brp.world)
    response = brp.post("bookings", "json", type="ordinary", activityid=slot.id)
    assert response.status_code == 200, response.text
    assert booking_row(brp.world, response.json()["booking"]["id"]).status == "confirmed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_ordinary_booking_on_a_full_activity_is_refused_and_changes_nothing(brp, fmt):
    world = brp.world
    slot = slot_of(world, spaces=1)
    fill(world, slot)
    response = brp.post("bookings", fmt, form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 409
    assert error_of(response)["code"] == "2001"
    assert [b.person_id for b in active_bookings(world, slot.id) if b.person_id == brp.member_id] == []


def test_online_capacity_caps_member_bookings(brp):
    world = brp.world
    slot = slot_of(world, spaces=2, online_spaces=1)
    fill(world, slot)
    response = brp.post("bookings", form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 409 and error_of(response)["code"] == "2001"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_waiting_list_queues_the_member_on_a_full_activity(brp, fmt):
    world = brp.world
    slot = slot_of(world, spaces=1)
    fill(world, slot)
    response = brp.post("bookings", fmt, form={"type": "waitinglist", "activityid": slot.id})
    assert response.status_code == 200, response.text
    _, content = document(response)
    assert content["type"] == "waitinglist"
    booking = booking_row(world, int(content["id"]))
    assert (booking.status, booking.person_id) == ("waitlisted", brp.member_id)
    [activity] = document(brp.get("activities", fmt, member=False))[1]["activity"]
    assert activity["waitinglistsize"] == "1"


def test_asking_for_the_waiting_list_while_places_are_free_books_an_ordinary_place(brp):
    slot = slot_of(brp.world, spaces=3)
    response = brp.post("bookings", "json", form={"type": "waitinglist", "activityid": slot.id})
    assert response.status_code == 200
    assert response.json()["booking"]["type"] == "ordinary"
    assert booking_row(brp.world, response.json()["booking"]["id"]).status == "confirmed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_booking_twice_and_queueing_twice_are_refused(brp, fmt):
    world = brp.world
    slot = slot_of(world, spaces=5)
    assert brp.post("bookings", fmt, form={"type": "ordinary", "activityid": slot.id}).status_code == 200
    again = brp.post("bookings", fmt, form={"type": "ordinary", "activityid": slot.id})
    assert again.status_code == 409 and error_of(again)["code"] == "2002"
    full = slot_of(world, spaces=1, name="Full")
    fill(world, full)
    assert brp.post("bookings", fmt, form={"type": "waitinglist", "activityid": full.id}).status_code == 200
    queued_again = brp.post("bookings", fmt, form={"type": "waitinglist", "activityid": full.id})
    assert queued_again.status_code == 409 and error_of(queued_again)["code"] == "2003"
    assert len([b for b in active_bookings(world, slot.id) if b.person_id == brp.member_id]) == 1
    assert len([b for b in active_bookings(world, full.id) if b.person_id == brp.member_id]) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_booking_before_the_window_opens_is_refused(brp, fmt):
    slot = slot_of(brp.world, start_date=local_today() + timedelta(days=5), max_advance=1)
    response = brp.post("bookings", fmt, form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "2005" and error["message"] == "Bokning är inte öppen just nu"
    assert active_bookings(brp.world, slot.id) == []


def test_a_waitinglist_place_outside_the_window_is_refused_too(brp):
    slot = slot_of(brp.world, start_date=local_today() + timedelta(days=5), max_advance=1, spaces=1)
    response = brp.post("bookings", "json", form={"type": "waitinglist", "activityid": slot.id}, lang="en")
    assert response.status_code == 409
    assert response.json()["errors"][0]["message"] == "Booking is not open at this time"


def test_a_cancelled_activity_or_one_not_bookable_online_cannot_be_booked(brp):
    world = brp.world
    cancelled = slot_of(world)
    with world.uow() as uow:
        set_slot_cancelled(uow, world.admin, cancelled.id, True)
        uow.commit()
    response = brp.post("bookings", form={"type": "ordinary", "activityid": cancelled.id})
    assert response.status_code == 409 and error_of(response)["code"] == "2007"
    desk_only = slot_of(world, bookable_from_internet=False)
    response = brp.post("bookings", form={"type": "ordinary", "activityid": desk_only.id})
    assert response.status_code == 409 and error_of(response)["code"] == "2008"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_activities_and_events_are_not_found(brp, fmt):
    c, world = brp.catalogue, brp.world
    event_slot = world.slots(make_offering(world, kind=Kind.EVENT, product=c.event_product).id)[0]
    for activity_id in (987654321, event_slot.id):
        response = brp.post("bookings", fmt, form={"type": "ordinary", "activityid": activity_id})
        assert response.status_code == 404
        assert error_of(response) == {"code": "1030", "message": "Hittades inte", "debug": "field=activityid"}


@pytest.mark.parametrize("kind", [Kind.COURSE, Kind.EVENT])
def test_a_full_course_or_event_is_not_found_rather_than_full_and_nothing_is_booked(brp, kind):
    """A non-activity is a 404 before any booking rule: not 2001 (full), and a course's slot does
    not book the whole course."""
    c, world = brp.catalogue, brp.world
    course = {"repeat": Repeat.DAILY, "end_date": local_today() + timedelta(days=4)} if kind == Kind.COURSE else {}
    offering = make_offering(world, kind=kind, spaces=1, product=c.event_product if kind == Kind.EVENT else None,
                             **course)
    slot = world.slots(offering.id)[-1]
    filler = world.person("Filler")
    with world.uow() as uow:
        book(uow, world.admin, person_id=filler, offering_id=offering.id)
        uow.commit()
    response = brp.post("bookings", form={"type": "waitinglist", "activityid": slot.id})
    assert response.status_code == 404
    assert error_of(response) == {"code": "1030", "message": "Hittades inte", "debug": "field=activityid"}
    with world.uow(write=False) as uow:
        assert [b.person_id for b in uow.bookings.active_on_offering(offering.id)] == [filler]


def test_another_tenants_activity_is_not_found(brp, database):
    other = other_tenant(database)
    slot = other.slots(make_offering(other).id)[0]
    response = brp.post("bookings", form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 404 and error_of(response)["code"] == "1030"
    assert active_bookings(other, slot.id) == []


@pytest.mark.parametrize(("form", "code", "field"), [
    ({"activityid": "1"}, "1002", "type"),
    ({"type": "ordinary"}, "1002", "activityid"),
    ({"type": "groupactivity", "activityid": "1"}, "1001", "type"),
    ({"type": "ordinary", "activityid": "abc"}, "1001", "activityid"),
    ({"type": "ordinary", "activityid": "-4"}, "1001", "activityid"),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_booking_parameters_are_refused(brp, form, code, field, fmt):
    response = brp.post("bookings", fmt, form=form)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["debug"]) == (code, f"field={field}")


def test_booking_needs_the_members_login(brp):
    slot = slot_of(brp.world)
    response = brp.post("bookings", "json", member=False, form={"type": "ordinary", "activityid": slot.id})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 1010
    assert active_bookings(brp.world, slot.id) == []


def test_an_idempotency_key_replays_the_first_booking(brp):
    slot = slot_of(brp.world)
    brp.headers = {"Idempotency-Key": "brp-book-1"}
    first = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id})
    second = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(active_bookings(brp.world, slot.id)) == 1


# ------------------------------------------------------------------ GET bookings

@pytest.mark.parametrize("fmt", FORMATS)
def test_listing_bookings_shows_the_members_ordinary_bookings_by_default(brp, fmt):
    world = brp.world
    mine = slot_of(world, start_time=time(9, 0))
    queued = slot_of(world, spaces=1, name="Full")
    fill(world, queued)
    theirs = slot_of(world, name="Theirs")
    other = world.person("Other")
    with world.uow() as uow:
        booked = book(uow, world.admin, person_id=brp.member_id, slot_id=mine.id).booking.id
        waiting = book(uow, world.admin, person_id=brp.member_id, slot_id=queued.id,
                       waitlist=WaitlistPolicy.IF_FULL).booking.id
        book(uow, world.admin, person_id=other, slot_id=theirs.id)
        uow.commit()
    tag, content = document(brp.get("bookings", fmt))
    assert tag == "bookings"
    assert [b["id"] for b in content["booking"]] == [str(booked)]
    assert content["booking"][0]["type"] == "ordinary"
    assert content["start"] == content["end"] == IN_TWO_DAYS.isoformat()
    _, queued_content = document(brp.get("bookings", fmt, type="waitinglist"))
    assert [(b["id"], b["type"]) for b in queued_content["booking"]] == [(str(waiting), "waitinglist")]


def test_listing_bookings_filters_on_dates_and_drops_cancelled_ones(brp):
    world = brp.world
    soon = slot_of(world, start_date=local_today() + timedelta(days=1))
    later = slot_of(world, start_date=local_today() + timedelta(days=20), name="Later")
    dropped = slot_of(world, name="Dropped")
    with world.uow() as uow:
        first = book(uow, world.admin, person_id=brp.member_id, slot_id=soon.id).booking.id
        second = book(uow, world.admin, person_id=brp.member_id, slot_id=later.id).booking.id
        third = book(uow, world.admin, person_id=brp.member_id, slot_id=dropped.id).booking.id
        uow.commit()
    assert brp.delete(f"bookings/{third}", type="ordinary").status_code == 204

    def listed(**filters):
        return [b["id"] for b in brp.get("bookings", "json", **filters).json()["bookings"]["booking"]]

    assert listed() == [first]
    far = (local_today() + timedelta(days=30)).isoformat()
    assert listed(todate=far) == [first, second]
    assert listed(fromdate=(local_today() + timedelta(days=10)).isoformat(), todate=far) == [second]


@pytest.mark.parametrize("fmt", FORMATS)
def test_listing_bookings_needs_the_members_login(brp, fmt):
    response = brp.get("bookings", fmt, member=False)
    assert response.status_code == 401 and error_of(response)["code"] == "1010"
    assert response.headers["www-authenticate"].startswith("Basic")


# ------------------------------------------------------------------ DELETE bookings/{id}

@pytest.mark.parametrize("fmt", FORMATS)
def test_cancelling_frees_the_place_and_promotes_the_waiting_list(brp, fmt):
    world = brp.world
    slot = slot_of(world, spaces=1)
    booked = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id}).json()["booking"]["id"]
    waiting_person = world.person("Waiting")
    with world.uow() as uow:
        waiting = book(uow, world.admin, person_id=waiting_person, slot_id=slot.id,
                       waitlist=WaitlistPolicy.IF_FULL).booking.id
        uow.commit()
    response = brp.delete(f"bookings/{booked}", fmt, type="ordinary")
    assert response.status_code == 204 and response.content == b""
    assert booking_row(world, booked).status == "cancelled"
    assert booking_row(world, waiting).status == "confirmed"
    [activity] = document(brp.get("activities", fmt, member=False))[1]["activity"]
    assert (activity["freeslots"], activity["waitinglistsize"]) == ("0", "0")


def test_a_waiting_list_place_is_cancelled_with_type_waitinglist(brp):
    world = brp.world
    slot = slot_of(world, spaces=1)
    fill(world, slot)
    queued = brp.post("bookings", "json", form={"type": "waitinglist", "activityid": slot.id}).json()["booking"]["id"]
    wrong_type = brp.delete(f"bookings/{queued}", type="ordinary")
    assert wrong_type.status_code == 404 and error_of(wrong_type)["debug"] == "field=type"
    assert booking_row(world, queued).status == "waitlisted"
    assert brp.delete(f"bookings/{queued}", type="waitinglist").status_code == 204
    assert booking_row(world, queued).status == "cancelled"


@pytest.mark.parametrize("fmt", FORMATS)
def test_cancelling_someone_elses_booking_is_refused(brp, fmt):
    world = brp.world
    slot = slot_of(world)
    other_id, other_login, other_password = add_member(world, "Bo", "Berg")
    with world.uow() as uow:
        theirs = book(uow, world.admin, person_id=other_id, slot_id=slot.id).booking.id
        uow.commit()
    response = brp.delete(f"bookings/{theirs}", fmt, type="ordinary")
    assert response.status_code == 403
    assert error_of(response)["code"] == "1020"
    assert booking_row(world, theirs).status == "confirmed"
    assert brp.delete(f"bookings/{theirs}", fmt, type="ordinary",
                      member=(other_login, other_password)).status_code == 204


@pytest.mark.parametrize("fmt", FORMATS)
def test_cancelling_after_the_cancellation_deadline_is_refused(brp, fmt):
    world = brp.world
    slot = slot_of(world, min_cancel=5)
    with world.uow() as uow:
        booked = book(uow, world.admin, person_id=brp.member_id, slot_id=slot.id).booking.id
        uow.commit()
    response = brp.delete(f"bookings/{booked}", fmt, type="ordinary")
    assert response.status_code == 409 and error_of(response)["code"] == "2006"
    assert booking_row(world, booked).status == "confirmed"


def test_cancelling_twice_unknown_ids_and_bad_ids_are_errors(brp):
    slot = slot_of(brp.world)
    booked = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id}).json()["booking"]["id"]
    assert brp.delete(f"bookings/{booked}", type="ordinary").status_code == 204
    twice = brp.delete(f"bookings/{booked}", type="ordinary")
    assert twice.status_code == 409 and error_of(twice)["code"] == "2009"
    unknown = brp.delete("bookings/987654321", type="ordinary")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "1030"
    bad = brp.delete("bookings/abc", "json", type="ordinary")
    assert bad.status_code == 400 and bad.json()["errors"][0]["debug"] == "field=id"
    untyped = brp.delete(f"bookings/{booked}", "json")
    assert untyped.status_code == 400 and untyped.json()["errors"][0]["code"] == 1002


# ------------------------------------------------------------------ one engine under every API

def test_a_booking_made_here_is_seen_by_the_engine_and_the_native_api(brp):
    world = brp.world
    slot = slot_of(world, spaces=4)
    booked = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id}).json()["booking"]["id"]
    with world.uow(write=False) as uow:
        assert [b.id for b in uow.bookings.of_person(brp.member_id)] == [booked]
        load = uow.loads.for_slots([uow.offerings.slot(slot.id)])[slot.id]
        assert load.held == 1
        entries = uow.audit.entries(entity="booking")
        assert [(e.action, e.channel, e.entity_id) for e in entries] == [("booking.created", "brp", booked)]
    native = brp.client.get(f"/api/v1/bookings/{booked}", headers={"Authorization": f"Bearer {brp.apikey}"})
    assert native.status_code == 200, native.text
    assert (native.json()["status"], native.json()["person_id"], native.json()["channel"]) == (
        "confirmed", brp.member_id, "brp")


def test_a_booking_made_by_the_engine_or_the_native_api_is_seen_here(brp):
    world = brp.world
    slot = slot_of(world, spaces=4)
    other = slot_of(world, spaces=4, name="Other")
    with world.uow() as uow:
        by_engine = book(uow, world.admin, person_id=brp.member_id, slot_id=slot.id).booking.id
        uow.commit()
    native = brp.client.post("/api/v1/bookings", json={"person_id": brp.member_id, "slot_id": other.id},
                             headers={"Authorization": f"Bearer {brp.apikey}"})
    assert native.status_code == 201, native.text
    listed = brp.get("bookings", "json").json()["bookings"]["booking"]
    assert sorted(b["id"] for b in listed) == sorted([by_engine, native.json()["id"]])
    activities = brp.get("activities", "json", includebooking="true").json()["activities"]["activity"]
    assert {a["id"]: (a["bookingid"], a["freeslots"]) for a in activities} == {
        slot.id: (by_engine, 3), other.id: (native.json()["id"], 3)}
    with world.uow(write=False) as uow:
        assert uow.session.get(m.Booking, by_engine).channel == "native"


def test_a_retry_while_the_first_booking_still_runs_is_1050_not_the_full_activitys_2001(brp):
    slot = slot_of(brp.world, spaces=1, waitlist_enabled=False)
    key = f"brp-running-{uuid.uuid4()}"
    brp.headers = {"Idempotency-Key": key}
    brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id})
    still_running(brp.world.database, key)

    retry = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id})
    brp.headers = {}
    _, other, password = add_member(brp.world)
    full = brp.post("bookings", "json", member=(other, password), form={"type": "ordinary", "activityid": slot.id})

    assert retry.status_code == full.status_code == 409
    assert retry.json()["errors"][0]["code"] == 1050
    assert full.json()["errors"][0]["code"] == 2001
