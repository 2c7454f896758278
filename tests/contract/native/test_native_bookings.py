"""Bookings through the native API: book, waiting list, cancel with settlement, confirm,
attendance, payments and the ledger; members only ever touch their own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from native_support import (
    API,
    assert_problem,
    book,
    create_offering,
    create_person,
    db_booking,
    db_bookings_of,
    in_days,
    member_of,
)


def test_staff_book_a_slot_and_the_booking_is_stored_confirmed(client, world, staff):
    offering = create_offering(client, staff, max_num_bookings=2)
    slot = offering["slots"][0]
    person = create_person(client, staff)
    response = book(client, staff, person_id=person, slot_id=slot["id"], places=2)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert response.headers["location"] == f"{API}/bookings/{booking['id']}"
    assert (booking["status"], booking["places"], booking["channel"], booking["start"]) == \
        ("confirmed", 2, "native", slot["start"])
    stored = db_booking(world, booking["id"])
    assert (stored.person_id, stored.slot_id, stored.places, stored.status) == (person, slot["id"], 2, "confirmed")
    assert client.get(f"{API}/bookings/{booking['id']}", headers=staff).json() == booking


def test_a_full_slot_without_waiting_list_is_409_and_books_nothing(client, world, staff):
    offering = create_offering(client, staff, spaces=1)
    slot_id = offering["slots"][0]["id"]
    book(client, staff, person_id=create_person(client, staff), slot_id=slot_id)
    late = create_person(client, staff, first_name="Late")
    assert_problem(book(client, staff, person_id=late, slot_id=slot_id), 409, "full")
    assert db_bookings_of(world, late) == []
    closed = create_offering(client, staff, spaces=1, waitlist_enabled=False)
    closed_slot = closed["slots"][0]["id"]
    book(client, staff, person_id=create_person(client, staff), slot_id=closed_slot)
    assert_problem(book(client, staff, person_id=late, slot_id=closed_slot, waitlist="if_full"),
                   409, "waiting_list_closed")
    assert db_bookings_of(world, late) == []


def test_if_full_joins_the_waiting_list_in_order_and_a_cancellation_promotes_the_first(client, world, staff):
    offering = create_offering(client, staff, spaces=1)
    slot_id = offering["slots"][0]["id"]
    first = book(client, staff, person_id=create_person(client, staff), slot_id=slot_id).json()
    waiting = [client.post(f"{API}/bookings/waiting-list", json={"person_id": create_person(client, staff),
                                                                 "slot_id": slot_id}, headers=staff).json()
               for _ in range(2)]
    assert [(w["status"], w["waiting_position"]) for w in waiting] == [("waitlisted", 1), ("waitlisted", 2)]
    assert client.get(f"{API}/bookings/{waiting[1]['id']}", headers=staff).json() == waiting[1]  # as read back
    response = client.post(f"{API}/bookings/{first['id']}/cancel", json={}, headers=staff)
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["booking"]["status"] == "cancelled" and outcome["settled"] == "0.00"
    assert [b["id"] for b in outcome["promoted"]] == [waiting[0]["id"]]
    assert db_booking(world, waiting[0]["id"]).status == "confirmed"
    assert client.get(f"{API}/bookings/{waiting[1]['id']}", headers=staff).json()["waiting_position"] == 1


def test_a_whole_course_is_booked_once_and_holds_every_slot(client, world, staff):
    course = create_offering(client, staff, kind="course", spaces=2,
                             slots=[{"date": in_days(5), "time": "10:00"}, {"date": in_days(12), "time": "10:00"}])
    person = create_person(client, staff)
    booking = book(client, staff, person_id=person, offering_id=course["id"]).json()
    assert booking["slot_id"] is None and booking["start"] == course["slots"][0]["start"]
    assert booking["end"] == course["slots"][1]["end"]
    assert client.get(f"{API}/bookings/{booking['id']}", headers=staff).json() == booking
    for slot in course["slots"]:
        assert client.get(f"{API}/slots/{slot['id']}", headers=staff).json()["held"] == 1
    assert_problem(book(client, staff, person_id=person, slot_id=course["slots"][1]["id"]), 409, "already_booked")
    assert len(db_bookings_of(world, person)) == 1


def test_bad_booking_requests_are_422_or_404_and_book_nothing(client, world, staff):
    offering = create_offering(client, staff)
    slot_id = offering["slots"][0]["id"]
    person = create_person(client, staff)
    for body in ({"person_id": person}, {"person_id": person, "slot_id": slot_id, "offering_id": offering["id"]},
                 {"person_id": person, "slot_id": slot_id, "places": 0},
                 {"person_id": person, "slot_id": slot_id, "waitlist": "maybe"},
                 {"person_id": person, "slot_id": "one"}, {"slot_id": slot_id}):
        assert_problem(client.post(f"{API}/bookings", json=body, headers=staff), 422, "invalid_parameter")
    assert_problem(book(client, staff, person_id=person, slot_id=slot_id, places=2), 422, "too_many_places")
    assert_problem(book(client, staff, person_id=person, slot_id=999999), 404, "not_found")
    assert_problem(book(client, staff, person_id=999999, slot_id=slot_id), 404, "not_found")
    response = client.post(f"{API}/bookings", content=b'{"person_id": ', headers={**staff,
                                                                                 "Content-Type": "application/json"})
    assert_problem(response, 422, "invalid_parameter")
    for query in ("?note=%00", "?note=a%00b"):
        nul = client.post(f"{API}/bookings{query}", json={"person_id": person, "slot_id": slot_id}, headers=staff)
        assert "NUL" in assert_problem(nul, 422, "invalid_parameter")["detail"]
    assert db_bookings_of(world, person) == []


def test_the_booking_window_binds_members_but_staff_may_override_it(client, world, staff, member):
    offering = create_offering(client, staff, start_date=in_days(20), max_advance=7)
    slot_id = offering["slots"][0]["id"]
    assert_problem(book(client, member.headers, slot_id=slot_id), 409, "outside_booking_window")
    assert_problem(book(client, member.headers, slot_id=slot_id, override_window=True), 403, "forbidden")
    assert db_bookings_of(world, member.person_id) == []
    person = create_person(client, staff)
    assert_problem(book(client, staff, person_id=person, slot_id=slot_id), 409, "outside_booking_window")
    assert book(client, staff, person_id=person, slot_id=slot_id, override_window=True).status_code == 201


def test_a_member_books_and_cancels_their_own_place(client, world, staff, member):
    offering = create_offering(client, staff)
    slot_id = offering["slots"][0]["id"]
    booking = book(client, member.headers, slot_id=slot_id).json()
    assert booking["person_id"] == member.person_id and booking["status"] == "confirmed"
    mine = client.get(f"{API}/bookings", headers=member.headers).json()["items"]
    assert [b["id"] for b in mine] == [booking["id"]]
    response = client.post(f"{API}/bookings/{booking['id']}/cancel", headers=member.headers)
    assert response.status_code == 200 and response.json()["booking"]["status"] == "cancelled"
    assert db_booking(world, booking["id"]).status == "cancelled"


def test_a_member_gets_403_for_someone_elses_booking_and_cannot_book_for_others(client, world, staff, member):
    offering = create_offering(client, staff)
    slot_id = offering["slots"][0]["id"]
    other = member_of(world)
    theirs = book(client, other.headers, slot_id=slot_id).json()
    for call in (lambda: client.get(f"{API}/bookings/{theirs['id']}", headers=member.headers),
                 lambda: client.get(f"{API}/bookings/{theirs['id']}/ledger", headers=member.headers),
                 lambda: client.post(f"{API}/bookings/{theirs['id']}/cancel", json={}, headers=member.headers),
                 lambda: client.get(f"{API}/bookings", params={"person_id": other.person_id},
                                    headers=member.headers),
                 lambda: book(client, member.headers, person_id=other.person_id, slot_id=slot_id)):
        assert_problem(call(), 403, "not_allowed")
    assert db_booking(world, theirs["id"]).status == "confirmed"
    assert db_bookings_of(world, member.person_id) == []
    assert client.get(f"{API}/bookings", headers=member.headers).json()["items"] == []
    assert_problem(client.post(f"{API}/bookings/{theirs['id']}/confirm", headers=member.headers), 403, "forbidden")


def test_confirm_and_unconfirm_move_between_reserved_and_confirmed(client, world, staff):
    offering = create_offering(client, staff)
    booking = book(client, staff, person_id=create_person(client, staff), slot_id=offering["slots"][0]["id"],
                   confirmed=False).json()
    assert booking["status"] == "reserved"
    assert client.get(f"{API}/slots/{offering['slots'][0]['id']}", headers=staff).json()["reserved"] == 1
    assert client.post(f"{API}/bookings/{booking['id']}/confirm", headers=staff).json()["status"] == "confirmed"
    assert db_booking(world, booking["id"]).status == "confirmed"
    assert client.post(f"{API}/bookings/{booking['id']}/unconfirm", headers=staff).json()["status"] == "reserved"
    assert db_booking(world, booking["id"]).status == "reserved"
    client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=staff)
    assert_problem(client.post(f"{API}/bookings/{booking['id']}/confirm", headers=staff), 409, "invalid_state")
    assert_problem(client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=staff), 409, "invalid_state")


def test_payments_build_a_ledger_and_a_refund_on_cancel_settles_it(client, world, staff):
    offering = create_offering(client, staff, price="20.00")
    booking = book(client, staff, person_id=create_person(client, staff), slot_id=offering["slots"][0]["id"],
                   confirmed=False).json()
    payment = {"payment_type": "Debit Card", "amount": "20.00", "fee": "2.50", "reference": "7002", "confirm": True}
    response = client.post(f"{API}/bookings/{booking['id']}/payments", json=payment, headers=staff)
    assert response.status_code == 201, response.text
    ledger = response.json()
    assert ledger["balance"] == {"paid": "20.00", "refunded": "0.00", "credited": "0.00", "held": "20.00"}
    assert [(e["kind"], e["payment_type"], e["amount"], e["fee"], e["reference"]) for e in ledger["entries"]] == \
        [("payment", "Debit Card", "20.00", "2.50", "7002")]
    assert db_booking(world, booking["id"]).status == "confirmed"
    for bad in ({**payment, "payment_type": "Bitcoin"}, {**payment, "amount": "-1"}, {**payment, "amount": "1.999"}):
        assert_problem(client.post(f"{API}/bookings/{booking['id']}/payments", json=bad, headers=staff),
                       422, "invalid_parameter")
    outcome = client.post(f"{API}/bookings/{booking['id']}/cancel", json={"settlement": "refund"},
                          headers=staff).json()
    assert outcome["settled"] == "20.00"
    ledger = client.get(f"{API}/bookings/{booking['id']}/ledger", headers=staff).json()
    assert ledger["balance"] == {"paid": "20.00", "refunded": "20.00", "credited": "0.00", "held": "0.00"}
    with world.uow(write=False) as uow:
        entries = uow.bookings.ledger(booking["id"])
    assert [(e.kind, e.amount) for e in entries] == [("payment", Decimal("20.00")), ("refund", Decimal("20.00"))]


@pytest.mark.parametrize("amount", [" 20 ", "\u0663", "1000000.00", "1e3", 20.5, "NaN"])
def test_an_amount_that_is_not_plain_ascii_decimal_8_2_is_422_and_records_nothing(client, world, staff, amount):
    offering = create_offering(client, staff, price="20.00")
    booking = book(client, staff, person_id=create_person(client, staff), slot_id=offering["slots"][0]["id"]).json()
    response = client.post(f"{API}/bookings/{booking['id']}/payments", json={"payment_type": "Cash", "amount": amount},
                           headers=staff)
    assert assert_problem(response, 422, "invalid_parameter")["field"] == "amount"
    with world.uow(write=False) as uow:
        assert uow.bookings.ledger(booking["id"]) == []


def test_a_credit_note_settles_a_cancellation_and_members_may_not_ask_for_one(client, world, staff, member):
    offering = create_offering(client, staff)
    booking = book(client, member.headers, slot_id=offering["slots"][0]["id"]).json()
    client.post(f"{API}/bookings/{booking['id']}/payments", json={"payment_type": "Cash", "amount": 15},
                headers=staff)
    assert_problem(client.post(f"{API}/bookings/{booking['id']}/cancel", json={"settlement": "credit"},
                               headers=member.headers), 403, "forbidden")
    assert db_booking(world, booking["id"]).status == "confirmed"
    outcome = client.post(f"{API}/bookings/{booking['id']}/cancel", json={"settlement": "credit"},
                          headers=staff).json()
    assert outcome["settled"] == "15.00"
    assert client.get(f"{API}/bookings/{booking['id']}/ledger", headers=member.headers).json()["balance"] == \
        {"paid": "15.00", "refunded": "0.00", "credited": "15.00", "held": "0.00"}


def test_attendance_records_attended_and_volunteering_per_slot(client, world, staff):
    course = create_offering(client, staff, kind="course",
                             slots=[{"date": in_days(5), "time": "10:00"}, {"date": in_days(6), "time": "10:00"}])
    booking = book(client, staff, person_id=create_person(client, staff), offering_id=course["id"]).json()
    assert_problem(client.put(f"{API}/bookings/{booking['id']}/attendance", json={"attended": True}, headers=staff),
                   404, "not_found")
    second = course["slots"][1]["id"]
    body = {"slot_id": second, "attended": True, "volunteering": ["Cleaned Up"]}
    marked = client.put(f"{API}/bookings/{booking['id']}/attendance", json=body, headers=staff).json()
    assert marked["attendance"] == [{"slot_id": second, "attended": True, "volunteering": ["Cleaned Up"]}]
    with world.uow(write=False) as uow:
        row = uow.bookings.attendance(booking["id"], second)
        assert row.attended and row.volunteering == "Cleaned Up"
    default = client.put(f"{API}/bookings/{booking['id']}/attendance", json={"slot_id": course["slots"][0]["id"]},
                         headers=staff).json()
    assert {a["slot_id"]: a["attended"] for a in default["attendance"]} == {course["slots"][0]["id"]: False,
                                                                           second: True}


def test_bookings_list_filters_by_status_person_offering_and_dates(client, world, staff):
    soon = create_offering(client, staff, spaces=1, start_date=in_days(2))
    later = create_offering(client, staff, start_date=in_days(30))
    anna, bo = create_person(client, staff), create_person(client, staff, first_name="Bo")
    a = book(client, staff, person_id=anna, slot_id=soon["slots"][0]["id"]).json()
    b = book(client, staff, person_id=bo, slot_id=soon["slots"][0]["id"], waitlist="if_full").json()
    c = book(client, staff, person_id=bo, slot_id=later["slots"][0]["id"]).json()

    def ids(**params):
        response = client.get(f"{API}/bookings", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(status="waitlisted") == [b["id"]]
    assert ids(status=["confirmed", "waitlisted"], person_id=bo) == [b["id"], c["id"]]
    assert ids(offering_id=later["id"]) == [c["id"]]
    assert ids(**{"from": in_days(10)}) == [c["id"]]
    assert ids(**{"to": in_days(3)}) == [a["id"], b["id"]]
    assert ids(limit=1, offset=2) == [c["id"]]
    assert_problem(client.get(f"{API}/bookings", params={"status": "lost"}, headers=staff), 422, "invalid_parameter")
