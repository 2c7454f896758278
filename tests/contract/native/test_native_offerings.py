"""Offerings: events, courses and recurring classes with every parameter; partial updates;
deleting refused while bookings are active unless the caller cancels them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from native_support import API, assert_problem, book, create_offering, create_person, db_booking, in_days
from tests.local_dates import local_today

from bookable.storage import models as m


def _catalogue(client, admin):
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()
    product = client.post(f"{API}/products", json={"name": "Spinn B45"}, headers=admin).json()
    rooms = [client.post(f"{API}/resources", json={"name": n}, headers=admin).json()["id"] for n in ("Sal 1", "Lena")]
    return unit["id"], product["id"], rooms


def test_a_recurring_offering_is_created_with_every_parameter_and_its_slots(client, world, admin):
    unit, product, rooms = _catalogue(client, admin)
    start = local_today() + timedelta(days=7)
    body = {
        "kind": "recurring", "name": "Spinning", "group": "Classes", "description": "Hard", "code": "2026SPIN",
        "event_message": "Second floor", "start_date": start.isoformat(), "start_time": "18:30",
        "end_date": (start + timedelta(days=21)).isoformat(), "duration": 45, "spaces": 12, "online_spaces": 10,
        "price": "120.50", "max_num_bookings": 2, "repeat": 1, "disabled": False, "min_cancel": 1,
        "max_advance": 30, "booking_cutoff_minutes": 15, "ask_address": True, "ticket_type": 1,
        "waitlist_enabled": False, "auto_promote": False, "bookable_from_internet": False, "product_id": product,
        "business_unit_id": unit, "resource_ids": rooms, "publish_start": "2026-01-01T08:00",
        "publish_end": "2026-12-31T23:00:00+00:00",
    }
    response = client.post(f"{API}/offerings", json=body, headers=admin)
    assert response.status_code == 201, response.text
    offering = response.json()
    assert response.headers["location"] == f"{API}/offerings/{offering['id']}"
    for key in ("kind", "name", "code", "start_time", "duration", "spaces", "online_spaces", "price", "repeat",
                "max_advance", "waitlist_enabled", "auto_promote", "bookable_from_internet", "business_unit_id"):
        assert offering[key] == body[key], key
    assert offering["resource_ids"] == sorted(rooms) and offering["publish_start"] == "2026-01-01T08:00+01:00"
    assert [s["date"] for s in offering["slots"]] == [(start + timedelta(weeks=w)).isoformat() for w in range(4)]
    slot = offering["slots"][0]
    assert (slot["time"], slot["spaces"], slot["online_spaces"], slot["free"], slot["free_online"]) == \
        ("18:30", 12, 10, 12, 10)
    with world.uow(write=False) as uow:
        stored = uow.offerings.offering(offering["id"])
        assert stored.price == Decimal("120.50") and stored.ticket_type == 1 and stored.ask_address
        assert stored.publish_start == datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
        assert stored.publish_end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
        assert len(uow.offerings.slots_of(stored.id)) == 4
        assert sorted(r.id for r in uow.offerings.slots_of(stored.id)[0].resources) == sorted(rooms)


def test_a_course_with_custom_slots_takes_its_dates_from_them_and_the_kind_defaults(client, world, admin):
    first, second = in_days(10), in_days(17)
    body = {"kind": "course", "group": "Courses", "spaces": 3,
            "slots": [{"date": second, "time": "11:10", "duration": 50}, {"date": first, "time": "09:30"}]}
    offering = client.post(f"{API}/offerings", json=body, headers=admin).json()
    assert (offering["name"], offering["repeat"], offering["min_cancel"]) == ("My Course", 6, 5)
    assert (offering["start_date"], offering["end_date"], offering["start_time"]) == (first, second, "09:30")
    assert [(s["date"], s["time"], s["duration"]) for s in offering["slots"]] == \
        [(first, "09:30", 60), (second, "11:10", 50)]


def test_an_event_takes_bookingbug_defaults_for_what_is_left_out(client, world, admin):
    offering = client.post(f"{API}/offerings", json={"kind": "event", "group": "G", "start_date": in_days(5),
                                                     "start_time": "10:00"}, headers=admin).json()
    assert (offering["name"], offering["duration"], offering["min_cancel"], offering["end_date"]) == \
        ("My Event", 120, 5, in_days(5))
    assert len(offering["slots"]) == 1


def test_bad_offering_fields_are_422_and_create_nothing(client, world, admin):
    bad = [
        {"kind": "party", "group": "G", "start_date": in_days(3), "start_time": "10:00"},
        {"kind": "event", "start_date": in_days(3), "start_time": "10:00"},
        {"kind": "event", "group": "G", "start_time": "10:00"},
        {"kind": "event", "group": "G", "start_date": "03/04/2026", "start_time": "10:00"},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "25:00"},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "spaces": -1},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "price": "1.005"},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "repeat": 9},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "name": "x" * 51},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "end_date": in_days(1)},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "spaces": None},
        {"kind": "event", "group": "G", "start_date": in_days(3), "start_time": "10:00", "colour": "red"},
    ]
    for body in bad:
        assert_problem(client.post(f"{API}/offerings", json=body, headers=admin), 422, "invalid_parameter")
    problem = assert_problem(client.post(f"{API}/offerings", json={**bad[0], "kind": "event", "product_id": 424242},
                                         headers=admin), 404, "not_found")
    assert problem["field"] == "product_id"
    with world.uow(write=False) as uow:
        assert uow.offerings.all() == []


def test_patch_changes_only_the_fields_sent(client, world, admin):
    unit, _, rooms = _catalogue(client, admin)
    offering = create_offering(client, admin, spaces=5, price="10.00")
    response = client.patch(f"{API}/offerings/{offering['id']}",
                            json={"name": "Spin Pro", "spaces": 8, "resource_ids": rooms[:1], "price": None},
                            headers=admin)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["spaces"], changed["price"], changed["group"]) == ("Spin Pro", 8, None, "Classes")
    assert changed["resource_ids"] == rooms[:1] and changed["slots"][0]["spaces"] == 8
    with world.uow(write=False) as uow:
        stored = uow.offerings.offering(offering["id"])
        assert (stored.name, stored.spaces, stored.price, stored.duration) == ("Spin Pro", 8, None, 60)
        assert uow.offerings.slots_of(stored.id)[0].spaces == 8


def test_patch_that_drops_a_booked_slot_needs_cancel_bookings(client, world, admin):
    offering = create_offering(client, admin, kind="recurring", repeat=1, start_date=in_days(2),
                               end_date=in_days(16))
    last = offering["slots"][-1]
    person = create_person(client, admin)
    booking = book(client, admin, person_id=person, slot_id=last["id"]).json()
    shorter = {"end_date": in_days(9)}
    problem = assert_problem(client.patch(f"{API}/offerings/{offering['id']}", json=shorter, headers=admin),
                             409, "has_active_bookings")
    assert "cancel" in problem["detail"]
    assert db_booking(world, booking["id"]).status == "confirmed"
    response = client.patch(f"{API}/offerings/{offering['id']}?cancel_bookings=true", json=shorter, headers=admin)
    assert response.status_code == 200, response.text
    assert last["id"] not in [s["id"] for s in response.json()["slots"]]
    assert db_booking(world, booking["id"]).status == "cancelled"


def test_patch_with_custom_slots_replaces_the_schedule(client, world, admin):
    offering = create_offering(client, admin, kind="course", slots=[{"date": in_days(4), "time": "10:00"}])
    response = client.patch(f"{API}/offerings/{offering['id']}", headers=admin,
                            json={"slots": [{"date": in_days(5), "time": "11:00", "duration": 30},
                                            {"date": in_days(6), "time": "11:00", "duration": 30}]})
    assert [(s["date"], s["time"]) for s in response.json()["slots"]] == [(in_days(5), "11:00"), (in_days(6), "11:00")]
    with world.uow(write=False) as uow:
        assert [(s.local_date.isoformat(), s.local_time) for s in uow.offerings.slots_of(offering["id"])] == \
            [(in_days(5), time(11)), (in_days(6), time(11))]


def test_delete_is_refused_while_bookings_are_active_unless_they_are_cancelled(client, world, admin):
    offering = create_offering(client, admin)
    person = create_person(client, admin)
    booking = book(client, admin, person_id=person, slot_id=offering["slots"][0]["id"]).json()
    assert_problem(client.delete(f"{API}/offerings/{offering['id']}", headers=admin), 409, "has_active_bookings")
    with world.uow(write=False) as uow:
        assert uow.offerings.offering(offering["id"]) is not None
    assert client.delete(f"{API}/offerings/{offering['id']}?cancel_bookings=true", headers=admin).status_code == 204
    assert_problem(client.get(f"{API}/offerings/{offering['id']}", headers=admin), 404, "not_found")
    with world.uow(write=False) as uow:
        assert uow.catalog.get(m.Offering, offering["id"]).deleted
        assert uow.bookings.booking(booking["id"]).status == "cancelled"


def test_offerings_list_filters_by_kind_business_unit_resource_and_dates(client, world, admin):
    unit, _, rooms = _catalogue(client, admin)
    placed = create_offering(client, admin, business_unit_id=unit, resource_ids=[rooms[0]], start_date=in_days(3))
    later = create_offering(client, admin, kind="course", start_date=in_days(30))

    def ids(**params):
        response = client.get(f"{API}/offerings", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert ids() == [placed["id"], later["id"]]
    assert ids(business_unit_id=unit) == [placed["id"]]
    assert ids(resource_id=rooms[0]) == [placed["id"]]
    assert ids(kind="course") == [later["id"]]
    assert ids(**{"from": in_days(20)}) == [later["id"]]
    assert ids(**{"from": in_days(1), "to": in_days(5)}) == [placed["id"]]
