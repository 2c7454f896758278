"""PUT /{id}: `<payment>` records a payment, `<booking>` confirms or unconfirms, both in one go."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from views_support import error_messages, spec_post_body, xml

SPEC_PAYMENT = """<payment>
    <PaymentType>Debit Card</PaymentType>
    <PaymentAmount>20</PaymentAmount>
</payment>"""
SPEC_CONFIRM = """<booking>
    <Confirmed>1</Confirmed>
</booking>"""
SPEC_PAYMENT_AND_CONFIRM = """<payment>
    <PaymentType>Debit Card</PaymentType>
    <PaymentAmount>20</PaymentAmount>
    <Confirmed>1</Confirmed>
</payment>"""


def reserved(views, slot, amount="5"):  # type: ignore[no-untyped-def]
    body = spec_post_body(views.world.person(), amount=amount, extra="<Confirmed>0</Confirmed>")
    return int(xml(views.call("POST", slot.id, body)).get("id"))


def test_the_spec_payment_body_adds_a_payment_to_the_ledger(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)

    response = views.call("PUT", slot.id, SPEC_PAYMENT, pid=pid)

    assert response.status_code == 200
    record = xml(response)
    assert record.findtext("Balance/Paid") == "25.00" and record.findtext("Status") == "reserved"
    assert [(e.payment_type, e.amount) for e in views.ledger(pid)] == [("Debit Card", Decimal("5.00")),
                                                                       ("Debit Card", Decimal("20.00"))]


def test_the_spec_booking_body_confirms_and_zero_unconfirms(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)

    confirmed = views.call("PUT", slot.id, SPEC_CONFIRM, pid=pid)
    assert confirmed.status_code == 200 and xml(confirmed).findtext("Confirmed") == "1"
    assert views.booking(pid).status == "confirmed"

    unconfirmed = views.call("PUT", slot.id, "<booking><Confirmed>0</Confirmed></booking>", pid=pid)
    assert unconfirmed.status_code == 200 and xml(unconfirmed).findtext("Status") == "reserved"
    assert views.booking(pid).status == "reserved"


def test_a_payment_with_confirmed_pays_and_confirms_in_one_transaction(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)

    response = views.call("PUT", slot.id, SPEC_PAYMENT_AND_CONFIRM, pid=pid)

    assert response.status_code == 200
    assert views.booking(pid).status == "confirmed" and len(views.ledger(pid)) == 2


def test_a_payment_and_confirmation_that_cannot_confirm_records_no_payment_either(views):
    slot = views.session(price="25.00", spaces=1)
    views.call("POST", slot.id, spec_post_body(views.world.person("Holder")))
    body = spec_post_body(views.world.person("Queued"), extra="<WaitingList>1</WaitingList>")
    waiting = int(xml(views.call("POST", slot.id, body)).get("id"))

    response = views.call("PUT", slot.id, SPEC_PAYMENT_AND_CONFIRM, pid=waiting)

    assert response.status_code == 409 and error_messages(response)
    assert views.booking(waiting).status == "waitlisted" and len(views.ledger(waiting)) == 1


@pytest.mark.parametrize(("body", "field"), [
    ("<payment><PaymentType>Bitcoin</PaymentType><PaymentAmount>20</PaymentAmount></payment>", "PaymentType"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>-20</PaymentAmount></payment>", "PaymentAmount"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>20,50</PaymentAmount></payment>", "PaymentAmount"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>20.505</PaymentAmount></payment>", "PaymentAmount"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>£20</PaymentAmount></payment>", "PaymentAmount"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>NaN</PaymentAmount></payment>", "PaymentAmount"),
    ("<payment><PaymentType>Cash</PaymentType></payment>", "PaymentAmount"),
    ("<payment><PaymentAmount>20</PaymentAmount></payment>", "PaymentType"),
    ("<payment><PaymentType>Cash</PaymentType><PaymentAmount>2</PaymentAmount><Confirmed>2</Confirmed></payment>",
     "Confirmed"),
    ("<booking><Confirmed>yes</Confirmed></booking>", "Confirmed"),
    ("<booking></booking>", "Confirmed"),
    ('{"payment": {"PaymentType": "Cash", "PaymentAmount": -1}}', "PaymentAmount"),
    ('{"payment": {"PaymentType": "Cash", "PaymentAmount": 20.001}}', "PaymentAmount"),
    ('{"payment": {"PaymentType": "Cash", "PaymentAmount": true}}', "PaymentAmount"),
])
def test_bad_payments_and_flags_are_a_400_and_change_nothing(views, body, field):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)
    before = views.snapshot(slot.id)

    response = views.call("PUT", slot.id, body, pid=pid)

    assert response.status_code == 400, response.text
    if body.startswith("{"):
        assert response.json()["errors"][0]["field"] == field
    else:
        assert xml(response).find("error").get("field") == field
    assert views.snapshot(slot.id) == before


@pytest.mark.parametrize("amount", [" 20 ", "\u0663", "\u0662\u0660", "\uff12\uff10", "1000000.00", "1000000",
                                    "20\n"])
@pytest.mark.parametrize("shape", ["xml", "json"])
def test_a_payment_amount_that_is_not_plain_ascii_decimal_8_2_is_a_400_and_changes_nothing(views, amount, shape):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)
    before = views.snapshot(slot.id)
    body = (f"<payment><PaymentType>Cash</PaymentType><PaymentAmount>{amount}</PaymentAmount></payment>"
            if shape == "xml" else json.dumps({"payment": {"PaymentType": "Cash", "PaymentAmount": amount}}))

    response = views.call("PUT", slot.id, body.encode(), pid=pid)

    assert response.status_code == 400, response.text
    field = xml(response).find("error").get("field") if shape == "xml" else response.json()["errors"][0]["field"]
    assert field == "PaymentAmount"
    assert views.snapshot(slot.id) == before


def test_the_largest_decimal_8_2_amount_is_taken(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)
    response = views.call("PUT", slot.id, "<payment><PaymentType>Cash</PaymentType><PaymentAmount>999999.99"
                                          "</PaymentAmount></payment>", pid=pid)
    assert response.status_code == 200, response.text
    assert [entry.amount for entry in views.ledger(pid)][-1] == Decimal("999999.99")


def test_pounds_and_pence_are_kept_exactly(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot, amount="0.10")

    views.call("PUT", slot.id, "<payment><PaymentType>Cash</PaymentType><PaymentAmount>0.20</PaymentAmount></payment>",
               pid=pid)

    record = xml(views.call("PUT", slot.id, SPEC_CONFIRM, pid=pid))
    assert record.findtext("Balance/Paid") == "0.30"


def test_no_payment_can_be_taken_on_a_cancelled_booking(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)
    views.call("DELETE", slot.id, pid=pid)

    response = views.call("PUT", slot.id, SPEC_PAYMENT, pid=pid)

    assert response.status_code == 409 and len(views.ledger(pid)) == 1


def test_an_unknown_participant_is_a_404(views):
    slot = views.session(price="25.00")

    response = views.call("PUT", slot.id, SPEC_PAYMENT, pid=987_654_321)

    assert response.status_code == 404 and error_messages(response)


def test_a_json_payment_answers_in_json(views):
    slot = views.session(price="25.00")
    pid = reserved(views, slot)

    response = views.call("PUT", slot.id, '{"PaymentType": "Credit Card", "PaymentAmount": "19.99", "Confirmed": 1}',
                          pid=pid, headers={"Accept": "application/json"})

    assert response.status_code == 200
    booking = response.json()["booking"]
    assert booking["Confirmed"] == 1 and booking["Balance"]["Paid"] == "24.99"
    assert booking["Ledger"][-1]["PaymentType"] == "Credit Card"
