"""Money on the staff pages, through the real app on SQLite and PostgreSQL: a booking's ledger and
balance, a payment recorded, a refund and a credit note (after a confirmation page), cancelling with
a refund, and a day's takings with its CSV; what is refused changes nothing; another tenant's
booking is the 404 page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from staff_support import a_class, booked
from web_support import in_days

from bookable.services.bookings import ledger_balance


def ledger(world, booking_id):
    with world.uow(write=False) as uow:
        return [(e.kind, e.payment_type, e.amount, e.fee, e.reference) for e in uow.bookings.ledger(booking_id)]


def status(world, booking_id):
    with world.uow(write=False) as uow:
        return uow.bookings.booking(booking_id).status


def paid_booking(world, desk):
    slot = a_class(world, price=Decimal("150.00"))
    booking = booked(world, slot.id, "Märta")
    page = desk.get(f"staff/bookings/{booking}")
    assert page.status == 200 and page.has("Owed £150.00")
    fields = page.form("/pay")
    assert fields["amount"] == "150.00"
    page = desk.post(f"staff/bookings/{booking}/pay", {**fields, "payment_type": "Debit Card", "fee": "1.50",
                                                        "reference": "till-4"})
    assert "The payment is recorded." in page.message() and page.has("Held £150.00") and page.has("Owed £0.00")
    return booking, page


def test_a_payment_is_recorded_once_with_its_type_fee_and_reference(desk, world):
    booking, page = paid_booking(world, desk)
    assert ledger(world, booking) == [("payment", "Debit Card", Decimal("150.00"), Decimal("1.50"), "till-4")]
    fields = page.form("/pay")
    assert fields["amount"] == ""  # nothing owed
    desk.post(f"staff/bookings/{booking}/pay", {**fields, "amount": "10", "payment_type": "Cash"})
    assert desk.post(f"staff/bookings/{booking}/pay", {**fields, "amount": "10"}).message().startswith(
        "That form had been sent already")
    assert len(ledger(world, booking)) == 2


def test_a_bad_payment_changes_nothing(desk, world):
    slot = a_class(world, price=Decimal("10.00"))
    booking = booked(world, slot.id)
    fields = desk.get(f"staff/bookings/{booking}").form("/pay")
    for bad, text in (({"amount": "12,50"}, "The amount must be a number"), ({"amount": "-5"}, "must be a number"),
                      ({"payment_type": "Bitcoin"}, "not right"), ({"fee": "abc"}, "must be a number")):
        fields = desk.get(f"staff/bookings/{booking}").form("/pay")
        page = desk.post(f"staff/bookings/{booking}/pay", {**fields, **bad})
        assert text in page.message(), bad
    assert ledger(world, booking) == []


def test_a_refund_asks_for_confirmation_then_is_recorded_once(desk, world):
    booking, page = paid_booking(world, desk)
    fields = page.form("/give-back")
    confirm = desk.post(f"staff/bookings/{booking}/give-back", {**fields, "amount": "50", "reference": "r-1"})
    assert confirm.has("Please confirm") and confirm.has("Refund 50 to Märta Berg")
    assert len(ledger(world, booking)) == 1  # nothing yet
    yes = confirm.form("/give-back", confirmed=1)
    page = desk.post(f"staff/bookings/{booking}/give-back", yes)
    assert "The refund is recorded." in page.message() and page.has("Held £100.00")
    assert desk.post(f"staff/bookings/{booking}/give-back", yes).message().startswith("That form had been sent")
    assert ledger(world, booking)[1] == ("refund", None, Decimal("50.00"), Decimal("0.00"), "r-1")
    credit = desk.post(f"staff/bookings/{booking}/give-back", {**page.form("/give-back"), "kind": "credit_note",
                                                               "amount": "100.01"})
    page = desk.post(f"staff/bookings/{booking}/give-back", credit.form("/give-back", confirmed=1))
    assert "That is more than is held" in page.message() and len(ledger(world, booking)) == 2
    credit = desk.post(f"staff/bookings/{booking}/give-back", {**page.form("/give-back"), "kind": "credit_note"})
    assert credit.has("Issue a credit note for 100.00")
    page = desk.post(f"staff/bookings/{booking}/give-back", credit.form("/give-back", confirmed=1))
    assert "The credit note is recorded." in page.message()
    with world.uow(write=False) as uow:
        assert ledger_balance(uow, booking).held == Decimal("0.00")
    assert status(world, booking) == "confirmed"


def test_cancelling_with_a_refund_asks_first_then_refunds_what_is_held(desk, world):
    booking, page = paid_booking(world, desk)
    confirm = desk.post(f"staff/bookings/{booking}/cancel", {**page.form("/cancel"), "settlement": "refund"})
    assert confirm.has("Cancel booking") and confirm.has("£150.00 will be refunded.")
    assert status(world, booking) == "confirmed"
    page = desk.post(f"staff/bookings/{booking}/cancel", confirm.form("/cancel", confirmed=1))
    assert "The booking is cancelled." in page.message() and page.has("Refunded £150.00")
    assert status(world, booking) == "cancelled" and ledger(world, booking)[-1][:3] == ("refund", None,
                                                                                          Decimal("150.00"))


def test_the_days_takings_and_their_csv(desk, world, client):
    booking, _ = paid_booking(world, desk)
    other = booked(world, a_class(world, price=Decimal("20.00")).id, "Sven")
    fields = desk.get(f"staff/bookings/{other}").form("/pay")
    desk.post(f"staff/bookings/{other}/pay", {**fields, "payment_type": "Cash", "reference": "=SUM(A1)"})
    page = desk.get("staff/takings")
    assert page.status == 200 and page.has("Payments £170.00") and page.has("Fees £1.50")
    assert page.has("Cash £20.00") and page.has("Debit Card £150.00")
    response = client.get(f"/{desk.slug}/staff/takings.csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert response.status_code == 200 and rows[0][:3] == ["Entry", "Time", "Booking"]
    assert [(r[2], r[5], r[6], r[7], r[9]) for r in rows[1:]] == [
        (str(booking), "payment", "Debit Card", "150.00", "till-4"), (str(other), "payment", "Cash", "20.00",
                                                                       "'=SUM(A1)")]
    assert not desk.get("staff/takings", day=in_days(-100).isoformat()).doc.xpath("//table")


def test_another_tenants_booking_is_the_404_page_and_takes_no_money(desk, world, foreign):
    _, their_booking, their_world = foreign
    assert desk.get(f"staff/bookings/{their_booking}").status == 404
    assert desk.get("staff/bookings/abc").status == 404
    mine = booked(world, a_class(world, price=Decimal("5.00")).id)
    fields = desk.get(f"staff/bookings/{mine}").form("/pay")
    assert desk.post(f"staff/bookings/{their_booking}/pay", fields).status == 404
    fields = desk.get(f"staff/bookings/{mine}").form("/cancel")
    assert desk.post(f"staff/bookings/{their_booking}/cancel", {**fields, "confirmed": "1"}).status == 404
    assert ledger(their_world, their_booking) == [] and status(their_world, their_booking) == "confirmed"
    assert desk.get("staff/takings").has("No payments.") or their_booking not in desk.get("staff/takings").text
