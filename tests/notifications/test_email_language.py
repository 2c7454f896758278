"""Emails in the member's language: the one they log in with or switch to on the pages (kept on
their person, migration 0011), else the tenant's; staff set it on the person page; the native API
shows and sets it. Through the real app on SQLite and PostgreSQL, into a real SMTP server's inbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

from email_support import deliver, last_event_id, set_language
from tests.conftest import add_member, add_staff, client_address
from tests.local_dates import local_today
from tests.web.web_support import Visitor

from bookable.domain.actors import Role
from bookable.storage import models as m


def language_of(world, person_id):
    with world.database.session(write=False) as session:
        return session.get(m.Person, person_id).language


def book_on_the_pages(visitor, world, name):
    slot = world.slots(world.offering(name=name, start_date=local_today() + timedelta(days=4)).id)[0]
    page = visitor.post("book", visitor.week_of(slot.local_date).form("/book", slot=slot.id))
    assert page.status == 200


def test_a_member_who_switched_to_swedish_gets_swedish_email_while_the_tenant_speaks_english(
        world, client, smtp, channel):
    set_language(world, "en")
    person_id, login, password = add_member(world)
    member = Visitor(client, world.tenant.slug)
    assert member.log_in(login, password).status == 200
    assert language_of(world, person_id) == "en"  # the language they logged in with
    assert member.get("bookings", lang="sv").has("Mina bokningar")
    assert language_of(world, person_id) == "sv"
    since = last_event_id(world)
    book_on_the_pages(member, world, "Cirkelträning")
    deliver(world, channel, since)
    [confirmed] = smtp.inbox.to(login)
    assert confirmed.message["Subject"].startswith("Bokning bekräftad: Cirkelträning, ")
    assert confirmed.message["Content-Language"] == "sv"


def test_a_member_without_a_language_gets_the_tenants_and_staff_set_it_on_the_person_page(
        world, app, client, smtp, channel):
    from fastapi.testclient import TestClient

    set_language(world, "en")
    person_id, login, password = add_member(world)
    assert language_of(world, person_id) is None
    since = last_event_id(world)
    member = Visitor(client, world.tenant.slug)
    member.client.cookies.clear()
    world_slot = world.slots(world.offering(name="Spinning", start_date=local_today() + timedelta(days=4)).id)[0]
    from bookable.services.bookings import book

    with world.uow() as uow:
        book(uow, world.admin, person_id=person_id, slot_id=world_slot.id)
        uow.commit()
    deliver(world, channel, since)
    [english] = smtp.inbox.to(login)
    assert english.message["Subject"].startswith("Booking confirmed: Spinning, ")

    with TestClient(app, client=(client_address(), 50000)) as own:
        desk = Visitor(own, world.tenant.slug)
        assert desk.log_in(*add_staff(world, f"desk-{uuid.uuid4().hex[:6]}", role=Role.STAFF)).status == 200
        form = desk.get(f"staff/people/{person_id}/edit").form(f"/staff/people/{person_id}/edit")
        assert form["language"] == ""
        page = desk.post(f"staff/people/{person_id}/edit", {**form, "language": "sv"})
        assert "Saved." in page.message() and "Svenska" in " ".join(page.doc.xpath('//*[@id="person-language"]/text()'))
        assert language_of(world, person_id) == "sv"
        form = desk.get(f"staff/people/{person_id}/edit").form(f"/staff/people/{person_id}/edit")
        bad = desk.post(f"staff/people/{person_id}/edit", {**form, "language": "xx"})
        assert bad.status == 400 and "Choose Svenska, English" in bad.message()
        assert language_of(world, person_id) == "sv"
        form = desk.get(f"staff/people/{person_id}/edit").form(f"/staff/people/{person_id}/edit")
        cleared = desk.post(f"staff/people/{person_id}/edit", {**form, "language": ""})
        assert "Saved." in cleared.message(), cleared.message()
        assert language_of(world, person_id) is None


def test_the_native_api_shows_and_sets_a_persons_language(world, client):
    from email_support import staff_headers

    person_id, _, _ = add_member(world)
    headers = staff_headers(world)
    assert client.get(f"/api/v1/persons/{person_id}", headers=headers).json()["language"] is None
    answer = client.patch(f"/api/v1/persons/{person_id}", headers=headers, json={"language": "sv"})
    assert answer.status_code == 200 and answer.json()["language"] == "sv"
    assert client.patch(f"/api/v1/persons/{person_id}", headers=headers, json={"language": "de"}).status_code == 422
    assert language_of(world, person_id) == "sv"


def test_the_native_api_shows_and_sets_the_tenants_default_language(world, client):
    from tests.conftest import add_api_key

    headers = {"Authorization": f"Bearer {add_api_key(world)}"}
    answer = client.patch("/api/v1/tenant", headers=headers, json={"language": "sv"})
    assert answer.status_code == 200 and answer.json()["language"] == "sv"
    assert client.patch("/api/v1/tenant", headers=headers, json={"language": "de"}).status_code == 422
    assert client.get("/api/v1/tenant", headers=headers).json()["language"] == "sv"
    with world.uow(write=False) as uow:
        assert uow.tenants.get(world.tenant.id).language == "sv"
