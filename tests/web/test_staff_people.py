"""People on the staff pages, through the real app on SQLite and PostgreSQL: search, a person's page
(bookings, waiting-list places, ledger), creating and editing people and their member logins;
refusals are messages that change nothing, another tenant's person is the 404 page."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from staff_support import a_class
from tests.conftest import add_member
from web_support import fill

from bookable.domain.money import PaymentType
from bookable.services.bookings import WaitlistPolicy, book, record_payment


def person_row(world, person_id):
    with world.uow(write=False) as uow:
        return uow.people.person(person_id)


def test_people_are_found_by_name_email_card_or_customer_number(desk, world):
    card, customer = f"C{uuid.uuid4().hex[:8]}", f"K{uuid.uuid4().hex[:8]}"
    person_id, email, _ = add_member(world, card_number=card, customer_number=customer)
    for query in ("Anna", "larsson anna", email.upper(), card, customer):
        page = desk.get("staff/people", q=query)
        assert page.doc.xpath(f'//ul[@class="people"]//a[@href="/{desk.slug}/staff/people/{person_id}"]'), query
    assert desk.get("staff/people", q="%").has("Nobody found.")


def test_a_persons_page_shows_bookings_waiting_places_and_the_ledger(desk, world):
    person = world.person("Greta", "Garbo", email=f"g-{uuid.uuid4().hex[:6]}@example.se")
    paid_class = a_class(world, price=Decimal("120.00"))
    full = a_class(world, spaces=1)
    fill(world, full.id, 2, waiting=True)
    with world.uow() as uow:
        booking = book(uow, world.admin, person_id=person, slot_id=paid_class.id).booking.id
        record_payment(uow, world.admin, booking, payment_type=PaymentType.CREDIT_CARD, amount=Decimal("120.00"),
                       fee=Decimal("2.40"), reference="ref-77")
        waiting = book(uow, world.admin, person_id=person, slot_id=full.id, waitlist=WaitlistPolicy.IF_FULL).booking.id
        uow.commit()
    page = desk.get(f"staff/people/{person}")
    assert page.status == 200 and page.has("Greta Garbo")
    row = " ".join(page.doc.xpath(f'//tr[@id="booking-{waiting}"]')[0].text_content().split())
    assert "Waiting, number 2" in row
    assert "Confirmed" in " ".join(page.doc.xpath(f'//tr[@id="booking-{booking}"]')[0].text_content().split())
    assert page.has("Payment (Credit Card)") and page.has("ref-77") and page.has("£120.00")


def test_staff_create_a_person_with_member_logins_who_can_then_log_in(desk, world, client):
    fields = desk.get("staff/people/new").form("/people/new")
    email = f"new-{uuid.uuid4().hex[:6]}@example.se"
    page = desk.post("staff/people/new", {**fields, "first_name": "Nils", "last_name": "Holgersson", "email": email,
                                          "card_number": "CARD-1", "password": "gåsresan1"})
    assert "Saved." in page.message() and page.has("Nils Holgersson") and page.has("CARD-1")
    person_id = int(page.url.rstrip("/").split("/people/")[1].split("?")[0])
    assert person_row(world, person_id).email == email
    again = desk.post("staff/people/new", {**fields, "first_name": "Nils", "last_name": "Twice"})
    assert "That form had been sent already" in again.message()
    from web_support import Visitor
    member = Visitor(client, desk.slug)
    client.cookies.clear()
    assert member.log_in("CARD-1", "gåsresan1").has("Logged in as Nils Holgersson")


def test_editing_a_person_and_what_is_refused_changes_nothing(desk, world):
    taken = add_member(world, card_number=f"T{uuid.uuid4().hex[:6]}")[0]
    taken_card = person_row(world, taken).card_number
    person = world.person("Karin", "Boye")
    form = desk.get(f"staff/people/{person}/edit").form("/edit")
    page = desk.post(f"staff/people/{person}/edit", {**form, "card_number": taken_card})
    assert page.status == 400 and "Another person already has that" in page.message()
    assert page.doc.xpath('//input[@name="first_name"]/@value') == ["Karin"]  # the form keeps what was typed
    form = desk.get(f"staff/people/{person}/edit").form("/edit")
    for bad, text in (({"email": "not-an-email"}, "not valid"), ({"password": "short"}, "8 to 200"),
                      ({"town": "x" * 201}, "not right")):
        form = desk.get(f"staff/people/{person}/edit").form("/edit")
        page = desk.post(f"staff/people/{person}/edit", {**form, **bad})
        assert page.status == 400 and text in page.message(), bad
    row = person_row(world, person)
    assert (row.card_number, row.email, row.password_hash, row.town) == (None, None, None, "")
    form = desk.get(f"staff/people/{person}/edit").form("/edit")
    page = desk.post(f"staff/people/{person}/edit", {**form, "town": "Stockholm", "customer_number": "K-9"})
    assert "Saved." in page.message()
    assert (person_row(world, person).town, person_row(world, person).customer_number) == ("Stockholm", "K-9")


def test_another_tenants_person_is_the_404_page_and_cannot_be_changed(desk, world, foreign):
    _, _, their_world = foreign
    theirs = their_world.person("Foreign", "Person")
    for path in (f"staff/people/{theirs}", f"staff/people/{theirs}/edit", "staff/people/0", "staff/people/99999999",
                 "staff/people/abc", "staff/slots/abc/register"):
        assert desk.get(path).status == 404, path
    form = desk.get(f"staff/people/{world.person()}/edit").form("/edit")
    assert desk.post(f"staff/people/{theirs}/edit", {**form, "first_name": "Changed"}).status == 404
    assert person_row(their_world, theirs).first_name == "Foreign"


@pytest.mark.parametrize("path", ["staff/people", "staff/people/new"])
def test_a_member_gets_the_403_page(visitor, member, path):
    visitor.log_in(member.email, member.password)
    assert visitor.get(path).status == 403
