"""The admins' staff pages through the real app on SQLite and PostgreSQL: users (add, role, disable,
reset password), API keys (shown once, listed, revoked: the API refuses the key at once), tenant
settings and the audit log with its filters; staff users get the 403 page; another tenant's user or
key is the 404 page; what is refused changes nothing."""

from __future__ import annotations

import uuid

import pytest
from tests.conftest import add_staff, client_address
from web_support import Visitor, in_days

from bookable.domain.actors import Role
from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork

ADMIN_PAGES = ("staff/admin/users", "staff/admin/keys", "staff/admin/settings", "staff/admin/audit")


@pytest.fixture
def admin_login(world):
    return add_staff(world, f"admin-{uuid.uuid4().hex[:8]}", role=Role.ADMIN)


@pytest.fixture
def office(app, world, admin_login):
    """An admin logged in on the tenant's site, in a browser of their own (not the desk's)."""
    from fastapi.testclient import TestClient

    with TestClient(app, client=(client_address(), 50000)) as own:
        office = Visitor(own, world.tenant.slug)
        assert office.log_in(*admin_login).status == 200
        yield office


def user(world, username):
    with world.uow(write=False) as uow:
        return uow.tenants.user(username)


def user_form(page, user_id, change):
    return page.form(f"/staff/admin/users/{user_id}", change=change)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_staff_user_gets_the_403_page_and_an_admin_the_page(desk, office, path):
    assert desk.get(path).status == 403
    assert office.get(path).status == 200


def test_an_admin_adds_a_user_who_can_log_in_and_changes_their_role_at_once(office, world, client):
    fields = office.get("staff/admin/users").form("/staff/admin/users")
    name = f"new-{uuid.uuid4().hex[:6]}"
    page = office.post("staff/admin/users", {**fields, "username": name, "password": "a-long-pass", "role": "staff"})
    assert "The user is added." in page.message() and user(world, name).role == "staff"
    newcomer = Visitor(client, world.tenant.slug)
    assert newcomer.log_in(name, "a-long-pass").status == 200
    assert newcomer.get("staff/admin/users").status == 403
    newcomer_id = user(world, name).id
    page = office.post(f"staff/admin/users/{newcomer_id}",
                       {**user_form(office.get("staff/admin/users"), newcomer_id, "role"), "role": "admin"})
    assert "The role is changed." in page.message()
    assert newcomer.get("staff/admin/users").status == 200  # at once, without logging in again
    again = office.post("staff/admin/users", {**fields, "username": name, "password": "a-long-pass"})
    assert "That form had been sent already" in again.message()


def test_disabling_a_user_or_resetting_their_password_ends_their_staff_session(office, desk, world, staff_login):
    target = user(world, staff_login[0]).id
    page = office.post(f"staff/admin/users/{target}", user_form(office.get("staff/admin/users"), target, "disable"))
    assert "The user is disabled" in page.message() and user(world, staff_login[0]).disabled
    assert desk.client.get(f"/{desk.slug}/staff/", follow_redirects=False).status_code == 303
    page = office.post(f"staff/admin/users/{target}", user_form(office.get("staff/admin/users"), target, "enable"))
    assert not user(world, staff_login[0]).disabled
    fields = user_form(office.get("staff/admin/users"), target, "password")
    short = office.post(f"staff/admin/users/{target}", {**fields, "password": "short"})
    assert "A password must be 8 to 200 characters." in short.message()
    fields = user_form(office.get("staff/admin/users"), target, "password")
    page = office.post(f"staff/admin/users/{target}", {**fields, "password": "brand-new-pass"})
    assert "The password is reset." in page.message()
    assert desk.log_in(staff_login[0], "brand-new-pass").status == 200


def test_an_admin_cannot_lock_themself_out_and_bad_users_change_nothing(office, world, admin_login, staff_login):
    me = user(world, admin_login[0]).id
    for change in ("disable", "role"):
        fields = user_form(office.get("staff/admin/users"), me, change)
        page = office.post(f"staff/admin/users/{me}", {**fields, "role": "staff"})
        assert "Your role does not allow that." in page.message() or "not allowed" in page.message().lower()
    assert user(world, admin_login[0]).role == "admin" and not user(world, admin_login[0]).disabled
    fields = office.get("staff/admin/users").form("/staff/admin/users")
    for bad in ({"username": staff_login[0], "password": "a-long-pass"}, {"username": "a:b", "password": "x" * 9},
                {"username": "ok-name", "password": "short"}, {"username": "ok-name", "password": "x" * 9,
                                                               "role": "member"}):
        fields = office.get("staff/admin/users").form("/staff/admin/users")
        page = office.post("staff/admin/users", {**fields, **bad})
        assert page.message() and "The user is added." not in page.message(), bad
    assert user(world, "ok-name") is None and user(world, "a:b") is None


def test_an_api_key_is_shown_once_works_and_once_revoked_the_api_refuses_it_at_once(office, world, client):
    fields = office.get("staff/admin/keys").form("/staff/admin/keys")
    page = office.post("staff/admin/keys", {**fields, "name": "front desk app", "role": "staff"})
    [key] = page.doc.xpath('//input[@id="new-key"]/@value')
    assert key.startswith("bk_") and key not in office.get("staff/admin/keys").text
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/offerings", headers=headers).status_code == 200
    with world.uow(write=False) as uow:
        [row] = [k for k in uow.tenants.api_keys(world.tenant.id) if k.name == "front desk app"]
        assert row.key_hash == accounts.hash_api_key(key) and row.role == "staff"
    listed = office.get("staff/admin/keys")
    page = office.post(f"staff/admin/keys/{row.id}/revoke", listed.form(f"/staff/admin/keys/{row.id}/revoke"))
    assert "The key is revoked" in page.message() and page.has("Revoked")
    assert client.get("/api/v1/offerings", headers=headers).status_code == 401


def test_another_tenants_user_or_key_is_the_404_page(office, database, world):
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        their_user = accounts.add_user(uow, other, f"x-{uuid.uuid4().hex[:8]}", "other-password")
        their_key, _ = accounts.add_api_key(uow, other, "theirs")
        uow.commit()
        user_id, key_id, username = their_user.id, their_key.id, their_user.username
    page = office.get("staff/admin/users")
    assert username not in page.text
    fields = page.form("/staff/admin/users")
    assert office.post(f"staff/admin/users/{user_id}", {**fields, "change": "disable"}).status == 404
    assert office.post(f"staff/admin/keys/{key_id}/revoke", fields).status == 404
    with UnitOfWork(database, other.id, write=False) as uow:
        assert not uow.tenants.user(username).disabled and uow.tenants.api_key_by_id(key_id).revoked_at is None


def test_tenant_settings_are_changed_and_bad_ones_change_nothing(office, world):
    fields = office.get("staff/admin/settings").form("/staff/admin/settings")
    page = office.post("staff/admin/settings", {**fields, "name": "Renamed Club", "currency": "sek",
                                                "max_upcoming_bookings": "3",
                                                "cors_origins": "https://www.example.org\nhttps://app.example.org"})
    assert "The settings are saved." in page.message() and page.has("Renamed Club")
    with world.uow(write=False) as uow:
        row = uow.tenants.get(world.tenant.id)
        assert (row.name, row.currency, row.max_upcoming_bookings, row.cors_origins) == (
            "Renamed Club", "SEK", 3, ["https://www.example.org", "https://app.example.org"])
    for bad, text in (({"currency": "XX"}, "three-letter"), ({"max_upcoming_bookings": "-1"}, "whole number"),
                      ({"cors_origins": "ftp://nope"}, "https://www.example.org"), ({"name": " "}, "1 to 200")):
        fields = office.get("staff/admin/settings").form("/staff/admin/settings")
        assert text in office.post("staff/admin/settings", {**fields, **bad}).message(), bad
    with world.uow(write=False) as uow:
        assert uow.tenants.get(world.tenant.id).currency == "SEK"


def test_the_audit_log_finds_a_change_by_who_channel_what_and_when(office, desk, world, admin_login):
    from staff_support import a_class, booked

    slot = a_class(world, days=-1)
    ella = booked(world, slot.id)
    desk.post(f"staff/slots/{slot.id}/attendance",
              desk.get(f"staff/slots/{slot.id}/register").form("/attendance", booking=ella))
    log = office.get("staff/admin/audit")
    rows = log.doc.xpath('//table[contains(@class, "audit")]/tbody/tr')
    first = " ".join(rows[0].text_content().split())
    assert "attendance.marked" in first and "web" in first
    found = office.get("staff/admin/audit", what="attendance.", channel="web")
    assert all("attendance.marked" in " ".join(r.text_content().split())
               for r in found.doc.xpath('//table[contains(@class, "audit")]/tbody/tr'))
    assert office.get("staff/admin/audit", what="attendance.", channel="native").has("Nothing found.")
    assert office.get("staff/admin/audit", who="nobody-like-this").has("Nothing found.")
    assert office.get("staff/admin/audit", what="booking.created", channel="native").doc.xpath(
        '//table[contains(@class, "audit")]/tbody/tr')
    assert office.get("staff/admin/audit", **{"from": in_days(1).isoformat()}).has("Nothing found.")
    assert office.get("staff/admin/audit", channel="bogus", **{"from": "garbage"}).status == 200


def test_the_default_language_is_changed_on_the_settings_page_and_the_time_zone_is_only_explained(
        office, world, client):
    fields = office.get("staff/admin/settings").form("/staff/admin/settings")
    assert fields["language"] in ("sv", "en")
    page = office.post("staff/admin/settings", {**fields, "language": "sv", "timezone": "Europe/London"})
    assert "The settings are saved." in page.message() or "Inställningarna" in page.message()
    with world.uow(write=False) as uow:
        row = uow.tenants.get(world.tenant.id)
        assert (row.language, row.timezone) == ("sv", "Europe/Stockholm")  # the zone is not a field here
    stranger = Visitor(client, world.tenant.slug)
    assert 'lang="sv"' in stranger.get("").text  # this worker shows it at once
    settings = office.get("staff/admin/settings", lang="en")
    [zone] = settings.doc.xpath('//input[@id="s-timezone"]')
    assert zone.get("readonly") is not None and zone.get("name") is None
    assert settings.has("bookable tenant set SLUG timezone=ZONE")
    fields = settings.form("/staff/admin/settings")
    bad = office.post("staff/admin/settings", {**fields, "language": "de"})
    assert "Choose Svenska or English." in bad.message()
    with world.uow(write=False) as uow:
        assert uow.tenants.get(world.tenant.id).language == "sv"
