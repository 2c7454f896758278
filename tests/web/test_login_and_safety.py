"""Logging in and out, and what no form or URL can do: forged or expired forms, another tenant's
data, unknown pages. Every refusal is a readable page in the visitor's language and changes nothing."""

from __future__ import annotations

import uuid

import pytest
from tests.conftest import add_member, add_staff
from web_support import Visitor, in_days

from bookable.services import accounts
from bookable.services.bookings import book
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.session import COOKIE


@pytest.mark.parametrize("which", ["email in capitals", "card", "customer"])
def test_a_member_logs_in_with_their_email_in_any_case_their_card_or_customer_number(visitor, member, which):
    login = {"email in capitals": member.email.upper(), "card": member.card, "customer": member.customer}[which]
    page = visitor.log_in(login, member.password)
    assert page.has("Logged in as Anna Larsson") and page.has("My bookings")


def test_the_session_cookie_is_httponly_samesite_and_scoped_to_the_tenants_site(client, world, member):
    visitor = Visitor(client, world.tenant.slug)
    fields = visitor.get("login").form("/login")
    response = client.post(f"/{world.tenant.slug}/login", data={**fields, "login": member.email,
                                                                 "password": member.password},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/{world.tenant.slug}/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert f"Path=/{world.tenant.slug}/" in cookie and "Secure" not in cookie  # plain HTTP here


@pytest.mark.usefixtures("login_clock")
def test_a_wrong_password_is_refused_readably_and_repeated_failures_are_throttled(visitor, member):
    page = visitor.log_in(member.email, "not-the-password")
    assert page.status == 401 and "Wrong login or password." in page.message()
    for _ in range(10):
        visitor.log_in(member.email, "still-wrong")
    page = visitor.log_in(member.email, member.password)
    assert page.status == 429 and "Too many failed logins" in page.message()


def test_a_staff_user_logs_in_but_cannot_book_for_themself_and_another_tenants_staff_cannot_log_in(
        world, visitor, database):
    username, password = add_staff(world)
    assert visitor.log_in(username, password).has(f"Logged in as {username}")
    slot = world.slots(world.offering(start_date=in_days(2)).id)[0]
    assert not visitor.week_of(in_days(2)).forms("/book")
    assert visitor.get("bookings").has("You are logged in as a staff user. These pages are for members")
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        accounts.add_user(uow, other, f"x-{uuid.uuid4().hex[:8]}", "other-password")
        uow.commit()
    assert slot is not None
    stranger = Visitor(visitor.client, other.slug)
    assert stranger.log_in(username, password).status == 401


def test_logging_out_ends_the_session_and_its_forms(logged_in, world):
    slot = world.slots(world.offering(start_date=in_days(2)).id)[0]
    old = logged_in.week_of(in_days(2)).form("/book", slot=slot.id)
    page = logged_in.post("logout", {"csrf": old["csrf"]})
    assert "You are logged out." in page.message() and page.has("Log in")
    after = logged_in.post("book", old)
    assert "Please log in first." in after.message() or "The page had expired" in after.message()
    with world.uow(write=False) as uow:
        assert uow.bookings.active_on_slots([slot.id]) == []


def test_a_form_without_or_with_a_forged_csrf_token_or_from_another_site_changes_nothing(world, member, logged_in):
    slot = world.slots(world.offering(start_date=in_days(2)).id)[0]
    fields = logged_in.week_of(in_days(2)).form("/book", slot=slot.id)
    for forged in ({**fields, "csrf": "forged"}, {k: v for k, v in fields.items() if k != "csrf"}):
        assert "The page had expired" in logged_in.post("book", forged).message()
    response = logged_in.client.post(f"/{world.tenant.slug}/book", data=fields,
                                     headers={"Origin": "https://evil.example"})
    assert "The page had expired" in response.text
    for bad in ({**fields, "slot": "1 OR 1=1"}, {**fields, "token": "short"}, {**fields, "places": "-3"}):
        assert "Something in the form was not right" in logged_in.post("book", bad).message()
    as_json = logged_in.client.post(f"/{world.tenant.slug}/book", json=fields)
    assert "Something in the form was not right" in as_json.text
    with world.uow(write=False) as uow:
        assert uow.bookings.active_on_slots([slot.id]) == []


def test_another_tenants_bookings_can_be_neither_cancelled_nor_downloaded_nor_booked(world, logged_in, database):
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        uow.commit()
    other_world = type(world)(database, other, type(world.admin)(other.id, "admin", world.admin.role,
                                                                 world.admin.channel))
    their_slot = other_world.slots(other_world.offering(start_date=in_days(2)).id)[0]
    stranger_id, _, _ = add_member(other_world)
    with other_world.uow() as uow:
        theirs = book(uow, other_world.admin, person_id=stranger_id, slot_id=their_slot.id).booking
        uow.commit()
    csrf = logged_in.get("bookings").form("/calendar/new")["csrf"]
    refused = logged_in.post("cancel", {"csrf": csrf, "token": "t" * 22, "booking": theirs.id, "back": "bookings"})
    assert "We could not find that" in refused.message()
    booked = logged_in.post("book", {"csrf": csrf, "token": "u" * 22, "slot": their_slot.id})
    assert "We could not find that" in booked.message()
    assert logged_in.get(f"bookings/{theirs.id}.ics").status == 404
    with other_world.uow(write=False) as uow:
        assert uow.bookings.booking(theirs.id).status == "confirmed"
        assert len(uow.bookings.active_on_slots([their_slot.id])) == 1
    cookie_for_us = logged_in.client.cookies.get(COOKIE)
    elsewhere = logged_in.client.get(f"/{other.slug}/bookings", cookies={COOKIE: cookie_for_us},
                                     follow_redirects=False)
    assert elsewhere.status_code == 303 and "/login" in elsewhere.headers["location"]


def test_unknown_sites_and_pages_are_a_readable_404_page_never_json_or_a_trace(client, world):
    slug = world.tenant.slug
    for path in ("/no-such-tenant/", f"/{slug}/no-such-page", f"/{slug}/calendar/not-a-token.ics"):
        response = client.get(path, headers={"Accept-Language": "sv-SE,sv;q=0.9"})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Vi hittade inte den sidan." in response.text and "Traceback" not in response.text
    assert client.post(f"/{world.tenant.slug}/", data={}).status_code == 405
    assert client.get(f"/{world.tenant.slug}/api/ver2/activities.json").headers["content-type"].startswith(
        "application/json")  # BRP's paths stay BRP's


def test_my_bookings_asks_to_log_in_first_and_comes_back_after(visitor, member, world):
    response = visitor.client.get(f"/{world.tenant.slug}/bookings", follow_redirects=False)
    assert response.status_code == 303 and "login" in response.headers["location"]
    page = visitor.get("bookings")
    assert "Please log in first." in page.message()
    fields = page.form("/login")
    assert fields["next"] == f"/{world.tenant.slug}/bookings"
    after = visitor.post("login", {**fields, "login": member.email, "password": member.password})
    assert after.has("Upcoming") and after.has("You have no upcoming bookings.")


def test_a_next_address_outside_the_site_is_never_followed(visitor, member, world):
    for elsewhere in ("https://evil.example/", "//evil.example/", f"/{world.tenant.slug}//evil.example"):
        fields = visitor.get("login").form("/login")  # each login begins a new session
        response = visitor.client.post(f"/{world.tenant.slug}/login", follow_redirects=False,
                                       data={**fields, "login": member.email, "password": member.password,
                                             "next": elsewhere})
        assert response.headers["location"] == f"/{world.tenant.slug}/"
