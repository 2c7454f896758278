"""POST a participant: a booking with its payment on a bookable session; a register entry otherwise."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from tests.idempotency_support import still_running
from views_support import error_messages, other_account, spec_post_body, xml

from bookable.services.bookings import book


def test_the_spec_body_books_the_person_and_records_the_payment_in_the_ledger(views):
    slot = views.session(price="20.00")
    person = views.world.person("", "")

    response = views.call("POST", slot.id, spec_post_body(person))

    assert response.status_code == 201
    record = xml(response)
    booking_id = int(record.get("id"))
    assert record.tag == "booking"
    assert record.findtext("SessionID") == str(slot.id) and record.findtext("SessionGroupID") == str(slot.offering_id)
    assert record.findtext("PersonID") == str(person) and record.findtext("ContactID") == str(person)
    assert record.findtext("Name") == "Father Test"
    assert record.findtext("Status") == "confirmed" and record.findtext("Confirmed") == "1"
    assert record.findtext("Places") == "1" and record.findtext("Price") == "20.00"
    entry = record.find("Ledger/entry")
    assert entry.findtext("Kind") == "payment" and entry.findtext("PaymentType") == "Debit Card"
    assert entry.findtext("Amount") == "20.00" and entry.findtext("Fee") == "2.50"
    assert entry.findtext("Reference") == "7002"
    assert record.findtext("Balance/Paid") == "20.00" and record.findtext("Balance/Held") == "20.00"

    booking = views.booking(booking_id)
    assert (booking.person_id, booking.slot_id, booking.status, booking.channel) == (person, slot.id, "confirmed",
                                                                                     "views")
    [ledger] = views.ledger(booking_id)
    assert (ledger.kind, ledger.payment_type, ledger.amount, ledger.fee, ledger.reference) == (
        "payment", "Debit Card", Decimal("20.00"), Decimal("2.50"), "7002")


def test_sent_contact_details_fill_blank_fields_and_never_overwrite(views):
    slot = views.session(price="20.00")
    person = views.world.person("Dad", "", email=None)

    record = xml(views.call("POST", slot.id, spec_post_body(person)))

    row = views.person_row(person)
    assert (row.first_name, row.last_name, row.email) == ("Dad", "Test", "test@test.com")
    kept = record.find("NotApplied/field")
    assert kept.get("name") == "Forename"
    assert (kept.findtext("Sent"), kept.findtext("Kept")) == ("Father", "Dad")


@pytest.mark.parametrize("payment_type", ["Cash", "Cheque", "Debit Card", "Credit Card", "Other"])
def test_every_payment_type_of_the_spec_is_accepted(views, payment_type):
    slot = views.session(price="5")

    response = views.call("POST", slot.id, spec_post_body(views.world.person(), payment_type))

    assert response.status_code == 201
    assert views.ledger(int(xml(response).get("id")))[0].payment_type == payment_type


@pytest.mark.parametrize("missing", ["PersonID", "PaymentType", "PaymentAmount"])
def test_each_required_field_is_required_and_nothing_is_booked_without_it(views, missing):
    slot = views.session(price="20.00")
    body = "<participant>" + "".join(
        f"<{name}>{value}</{name}>" for name, value in
        [("PersonID", views.world.person()), ("PaymentType", "Cash"), ("PaymentAmount", "20")] if name != missing
    ) + "</participant>"

    response = views.call("POST", slot.id, body)

    assert response.status_code == 400
    assert any(missing in message for message in error_messages(response))
    assert views.bookings(slot.id) == []


@pytest.mark.parametrize(("field", "value"), [
    ("PaymentType", "Bitcoin"), ("PaymentType", "cash"), ("PaymentAmount", "-5"), ("PaymentAmount", "twenty"),
    ("PaymentAmount", "20.555"), ("PaymentAmount", "1e3"), ("PaymentFee", "-1"), ("PersonID", "abc"),
    ("PersonID", "-3"), ("Email", "not-an-email"), ("Forename", "x" * 101), ("PaymentReference", "r" * 201),
])
def test_bad_values_are_a_400_and_change_nothing(views, field, value):
    slot = views.session(price="20.00")
    person = views.world.person("", "")
    values = {"PersonID": str(person), "PaymentType": "Cash", "PaymentAmount": "20", field: value}
    body = "<participant>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</participant>"

    response = views.call("POST", slot.id, body)

    assert response.status_code == 400, response.text
    assert error_messages(response)
    assert views.bookings(slot.id) == []
    assert views.person_row(person).first_name == ""


def test_an_unknown_person_is_a_404(views):
    slot = views.session(price="20.00")

    response = views.call("POST", slot.id, spec_post_body(987_654_321))

    assert response.status_code == 404 and views.bookings(slot.id) == []


def test_a_person_of_another_account_is_a_404(views):
    slot = views.session(price="20.00")
    stranger = other_account(views.world).person("Eve")

    response = views.call("POST", slot.id, spec_post_body(stranger))

    assert response.status_code == 404 and views.bookings(slot.id) == []


def test_booking_the_same_person_twice_is_refused_and_takes_no_second_payment(views):
    slot = views.session(price="20.00")
    person = views.world.person()
    first = xml(views.call("POST", slot.id, spec_post_body(person)))

    response = views.call("POST", slot.id, spec_post_body(person))

    assert response.status_code == 409 and error_messages(response)
    assert len(views.bookings(slot.id)) == 1 and len(views.ledger(int(first.get("id")))) == 1


def test_a_full_session_is_refused_and_never_oversold(views):
    slot = views.session(price="20.00", spaces=1)
    views.call("POST", slot.id, spec_post_body(views.world.person("First")))

    response = views.call("POST", slot.id, spec_post_body(views.world.person("Second")))

    assert response.status_code == 409
    assert "No places left." in error_messages(response)
    assert [b.status for b in views.bookings(slot.id)] == ["confirmed"]


def test_a_full_session_takes_a_waiting_list_entry_only_when_asked(views):
    slot = views.session(price="20.00", spaces=1)
    views.call("POST", slot.id, spec_post_body(views.world.person("First")))
    body = spec_post_body(views.world.person("Second"), extra="<WaitingList>1</WaitingList>")

    response = views.call("POST", slot.id, body)

    assert response.status_code == 201
    record = xml(response)
    assert record.findtext("Status") == "waitlisted" and record.findtext("WaitingListPosition") == "1"
    assert [b.status for b in views.bookings(slot.id)] == ["confirmed", "waitlisted"]


def test_a_waiting_list_entry_is_refused_where_the_offering_has_no_waiting_list(views):
    slot = views.session(price="20.00", spaces=1, waitlist_enabled=False)
    views.call("POST", slot.id, spec_post_body(views.world.person("First")))
    body = spec_post_body(views.world.person("Second"), extra="<WaitingList>1</WaitingList>")

    response = views.call("POST", slot.id, body)

    assert response.status_code == 409 and len(views.bookings(slot.id)) == 1


def test_staff_can_book_a_session_that_has_already_started(views):
    slot = views.session(price="20.00", days_ahead=-1)

    response = views.call("POST", slot.id, spec_post_body(views.world.person()))

    assert response.status_code == 201 and len(views.bookings(slot.id)) == 1


def test_confirmed_zero_makes_a_reserved_booking_that_still_holds_its_place(views):
    slot = views.session(price="20.00", spaces=1)
    body = spec_post_body(views.world.person(), extra="<Confirmed>0</Confirmed>")

    record = xml(views.call("POST", slot.id, body))

    assert record.findtext("Status") == "reserved" and record.findtext("Confirmed") == "0"
    assert views.call("POST", slot.id, spec_post_body(views.world.person("Late"))).status_code == 409


def test_a_json_post_answers_in_json(views):
    slot = views.session(price="12.50")
    person = views.world.person("Ann", "Lee")
    body = f'{{"participant": {{"PersonID": {person}, "PaymentType": "Cash", "PaymentAmount": 12.50}}}}'

    response = views.call("POST", slot.id, body, headers={"Content-Type": "application/json"})

    assert response.status_code == 201 and response.headers["content-type"].startswith("application/json")
    booking = response.json()["booking"]
    assert booking["Status"] == "confirmed" and booking["Name"] == "Ann Lee"
    assert booking["Ledger"][0]["Amount"] == "12.50" and booking["Balance"]["Held"] == "12.50"


def test_a_non_bookable_session_takes_a_post_as_a_register_entry_without_payment(views):
    slot = views.session(price=None)
    person = views.world.person()

    response = views.call("POST", slot.id, f"<participant><PersonID>{person}</PersonID></participant>")

    assert response.status_code == 201
    booking_id = int(xml(response).get("id"))
    assert views.booking(booking_id).status == "confirmed" and views.ledger(booking_id) == []


def test_a_payment_sent_to_a_non_bookable_session_is_still_checked_and_recorded(views):
    slot = views.session(price=None)

    bad = views.call("POST", slot.id, spec_post_body(views.world.person(), "Bitcoin"))
    good = views.call("POST", slot.id, spec_post_body(views.world.person(), "Cash"))

    assert bad.status_code == 400 and good.status_code == 201
    assert [e.amount for e in views.ledger(int(xml(good).get("id")))] == [Decimal("20.00")]


def test_a_booking_made_through_views_is_seen_by_the_engine_at_once(views):
    slot = views.session(price="20.00", spaces=1)
    views.call("POST", slot.id, spec_post_body(views.world.person()))

    with views.world.uow() as uow, pytest.raises(Exception, match="No places left"):
        book(uow, views.world.admin, person_id=views.world.person("Other"), slot_id=slot.id)


def test_a_retried_post_with_the_same_idempotency_key_replays_and_books_once(views):
    slot = views.session(price="20.00")
    body = spec_post_body(views.world.person())
    headers = {"Idempotency-Key": "till-7002"}

    first = views.call("POST", slot.id, body, headers=headers)
    again = views.call("POST", slot.id, body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers.get("idempotent-replayed") == "true"
    [booking] = views.bookings(slot.id)
    assert len(views.ledger(booking.id)) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422_in_the_views_envelope(views):
    slot = views.session(price="20.00")
    headers = {"Idempotency-Key": "till-7003"}
    views.call("POST", slot.id, spec_post_body(views.world.person("A")), headers=headers)

    response = views.call("POST", slot.id, spec_post_body(views.world.person("B")), headers=headers)

    assert response.status_code == 422 and error_messages(response)
    assert len(views.bookings(slot.id)) == 1


def test_a_retry_while_the_first_post_still_runs_is_a_409_idempotency_in_progress_not_full(views):
    slot = views.session(price="20.00", spaces=1, waitlist_enabled=False)
    body = spec_post_body(views.world.person())
    key = f"till-running-{uuid.uuid4()}"
    views.call("POST", slot.id, body, headers={"Idempotency-Key": key})
    still_running(views.world.database, key)

    retry = views.call("POST", slot.id, body, headers={"Idempotency-Key": key})
    full = views.call("POST", slot.id, spec_post_body(views.world.person("Other")))

    assert retry.status_code == full.status_code == 409
    assert xml(retry).find("error").get("code") == "idempotency_in_progress"
    assert xml(full).find("error").get("code") == "full"


def test_a_post_for_an_unknown_person_names_the_views_field_personid(views):
    slot = views.session(price="20.00")
    response = views.call("POST", slot.id, spec_post_body(987_654_321))
    assert response.status_code == 404
    assert xml(response).find("error").get("field") == "PersonID"
    assert views.bookings(slot.id) == []
