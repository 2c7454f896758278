"""The staff pages in Chromium, on a tablet: the charity demo's volunteer coordinator logs in at
/charity-demo/staff/, opens last week's Lunch Club register, ticks attendance and volunteering,
and the Views API (over HTTP, with the coordinator's own login) shows the same register. Then a
walk-in is booked from the front desk, in Swedish, with JavaScript off. axe-core finds no
serious violation on any staff page shown (with JavaScript on: axe runs in the page). With
BOOKABLE_SCREENSHOTS set to a folder, the pages are saved there (docs/screenshots/staff-*.png)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from browser_support import serious_violations

from bookable import demo
from bookable.domain.localtime import to_local
from bookable.services import register
from bookable.services.offerings import today_in
from bookable.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}


def screenshot(page, name: str) -> None:
    folder = os.environ.get("BOOKABLE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"staff-{name}.png"), full_page=True)


def no_serious_violations(page) -> None:
    assert serious_violations(page) == [], page.url


def last_weeks_lunch(database) -> tuple[int, int, object, int, str]:
    """Last week's Lunch Club: its slot, tenant, local date, and a participant not marked as attended."""
    [charity] = demo.load(database, only=demo.CHARITY)
    with UnitOfWork(database, 0, write=False) as uow:
        tenant = uow.tenants.by_slug(demo.CHARITY)
        assert tenant is not None and charity.slug == demo.CHARITY
    today = today_in(tenant.timezone)
    with UnitOfWork(database, tenant.id, write=False) as uow:
        lunch = next(o for o in uow.offerings.all() if o.name == demo.LUNCH_CLUB)
        slot = [s for s in uow.offerings.slots_of(lunch.id) if today - timedelta(days=7) <= s.local_date < today][-1]
        rows = register.participants(uow, register.session_of(uow, slot.id))
        absent = next(row for row in rows if row.attendance is None or not row.attendance.attended)
        name = f"{absent.person.first_name} {absent.person.last_name}"
        return slot.id, tenant.id, to_local(slot.starts_at, tenant.timezone).date(), absent.booking.id, name


def views_participants(server: str, slot_id: int) -> dict[int, dict]:
    response = httpx.get(f"{server}/api/restful/work/sessiongroups/sessions/{slot_id}/participants",
                         auth=(demo.COORDINATOR, demo.STAFF_PASSWORD), headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    return {p["id"]: p for p in response.json()["session"]["participants"]}


def test_the_volunteer_coordinator_takes_last_weeks_lunch_club_register_on_a_tablet(browser, server,
                                                                                  browser_database):
    slot_id, _, day, booking_id, name = last_weeks_lunch(browser_database)
    assert views_participants(server, slot_id)[booking_id]["Attended"] == 0
    context = browser.new_context(viewport=TABLET, locale="en-GB", bypass_csp=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/{demo.CHARITY}/staff/")
    page.get_by_label("Email, card number or customer number").fill(demo.COORDINATOR)
    page.get_by_label("Password", exact=True).fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.url.endswith(f"/{demo.CHARITY}/staff/")
    no_serious_violations(page)

    page.get_by_label("Day", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("link", name="Register of Lunch Club at 12:00").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Register: Lunch Club"
    no_serious_violations(page)

    tick = page.locator(f"#booking-{booking_id} .tick-button")
    box = tick.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a large touch target
    tick.tap()
    assert page.get_by_role("status").inner_text() == "Marked as attended."
    assert page.locator(f"#booking-{booking_id} .tick-button").get_attribute("aria-pressed") == "true"
    page.locator(f"#booking-{booking_id} summary").click()
    page.get_by_label("Volunteering roles").and_(page.locator(f"#volunteering-{booking_id}")).fill("Washed Up|Driver")
    page.locator(f"#booking-{booking_id}").get_by_role("button", name=re.compile("^Save roles")).click()
    assert page.get_by_role("status").inner_text() == "Volunteering roles saved."
    screenshot(page, "register-tablet")

    seen = views_participants(server, slot_id)[booking_id]
    assert (seen["Attended"], seen["Volunteering"], seen["Name"]) == (1, "Washed Up|Driver", name)
    page.get_by_label("Name, email, card or customer number").fill("shah")
    page.get_by_role("button", name="Search", exact=True).click()
    no_serious_violations(page)  # with the walk-in search's results
    page.goto(f"{server}/{demo.CHARITY}/staff/slots/{slot_id}/register/print")
    no_serious_violations(page)
    page.goto(f"{server}/{demo.CHARITY}/staff/?day={day.isoformat()}&view=week")
    no_serious_violations(page)
    screenshot(page, "timetable-tablet")
    context.close()


def test_the_front_desk_books_a_walk_in_with_javascript_off_and_the_member_sees_it(browser, server,
                                                                                 browser_database):
    slot_id, tenant_id, day, _, _ = last_weeks_lunch(browser_database)
    with UnitOfWork(browser_database, tenant_id) as uow:
        from bookable.domain.actors import utc_now
        from bookable.storage import models as m

        card = f"W{uuid.uuid4().hex[:10]}"
        walk_in = uow.people.add(m.Person(tenant_id=tenant_id, first_name="Winifred", last_name="Walkin",
                                          card_number=card, created_at=utc_now())).id
        uow.commit()
    context = browser.new_context(viewport=TABLET, locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/{demo.CHARITY}/login?next=/{demo.CHARITY}/staff/slots/{slot_id}/register")
    page.get_by_label("E-post, kortnummer eller kundnummer").fill(demo.COORDINATOR)
    page.get_by_label("Lösenord", exact=True).fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Närvarolista: Lunch Club"
    page.get_by_label("Namn, e-post, kortnummer eller kundnummer").fill(card)
    page.get_by_role("button", name="Sök", exact=True).click()
    found = page.locator("ul.found > li").filter(has_text="Winifred Walkin")
    found.get_by_role("button", name=re.compile("^Lägg till")).click()
    assert page.get_by_role("status").inner_text() == "Tillagd i närvarolistan."
    screenshot(page, "walk-in-tablet-sv")
    with UnitOfWork(browser_database, tenant_id, write=False) as uow:
        [booking] = [b for b in uow.bookings.active_on_slots([slot_id]) if b.person_id == walk_in]
        assert booking.status == "confirmed" and booking.channel == "web"
    assert day < today_in("Europe/London")  # a class in the past: booked by staff outside the window
    context.close()


def test_an_admin_takes_a_payment_refunds_it_revokes_an_api_key_and_finds_both_in_the_audit_log(
        browser, server, browser_database):
    last_weeks_lunch(browser_database)  # the charity demo, loaded
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/{demo.CHARITY}/login?next=/{demo.CHARITY}/staff/people")
    page.get_by_label("Email, card number or customer number").fill(demo.admin_username(demo.CHARITY))
    page.get_by_label("Password", exact=True).fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Name, email, card or customer number").fill("thomas hughes")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="Thomas Hughes").click()
    no_serious_violations(page)
    page.locator("tr", has_text=demo.COOKERY).get_by_role("link", name=re.compile("^#")).click()
    assert page.locator(".balance").inner_text().split("Owed")[1].strip() == "£20.00"
    page.get_by_label("Payment type").select_option("Cash")
    page.get_by_label("Reference").first.fill("till-1")
    page.get_by_role("button", name="Record the payment").click()
    assert page.get_by_role("status").inner_text() == "The payment is recorded."
    no_serious_violations(page)
    page.locator("#back-kind").select_option("refund")
    page.get_by_role("button", name="Continue").first.click()
    assert "Refund 20.00 to Thomas Hughes" in page.get_by_role("alert").inner_text()
    no_serious_violations(page)
    page.get_by_role("button", name="Yes, do it").click()
    assert page.get_by_role("status").inner_text() == "The refund is recorded."
    assert "£0.00" in page.locator(".balance dd").nth(3).inner_text()  # held
    screenshot(page, "booking-desktop")

    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Kiosk")
    page.get_by_role("button", name="Make the key").click()
    key = page.get_by_label("The new key").input_value()
    no_serious_violations(page)
    assert httpx.get(f"{server}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    page.locator("tr", has_text="Kiosk").get_by_role("button", name=re.compile("^Revoke")).click()
    assert page.get_by_role("status").inner_text().startswith("The key is revoked")
    assert httpx.get(f"{server}/api/v1/offerings", headers={"Authorization": f"Bearer {key}"}).status_code == 401

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("What").fill("ledger.refund")
    page.get_by_label("Channel").select_option("web")
    page.get_by_role("button", name="Show", exact=True).click()
    first = page.locator("table.audit tbody tr").first.inner_text()
    assert "ledger.refund" in first and demo.admin_username(demo.CHARITY) in first and "till-1" not in first
    no_serious_violations(page)
    page.get_by_label("What").fill("apikey.revoked")
    page.get_by_role("button", name="Show", exact=True).click()
    assert demo.admin_username(demo.CHARITY) in page.locator("table.audit tbody tr").first.inner_text()
    screenshot(page, "audit-desktop")
    context.close()


def test_every_kind_of_staff_page_has_no_serious_accessibility_violation(browser, server, browser_database):
    slot_id, tenant_id, day, booking_id, _ = last_weeks_lunch(browser_database)
    with UnitOfWork(browser_database, tenant_id, write=False) as uow:
        slot = uow.offerings.slot(slot_id)
        assert slot is not None
        booking = uow.bookings.booking(booking_id)
        assert booking is not None
        offering_id, person_id = slot.offering_id, booking.person_id
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/{demo.CHARITY}/login")
    page.get_by_label("E-post, kortnummer eller kundnummer").fill(demo.admin_username(demo.CHARITY))
    page.get_by_label("Lösenord", exact=True).fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    base = f"{server}/{demo.CHARITY}/staff"
    for path in (f"/?day={day.isoformat()}", f"/slots/{slot_id}/manage", f"/slots/{slot_id}/register?q=a",
                 f"/bookings/{booking_id}", "/people?q=a", f"/people/{person_id}", f"/people/{person_id}/edit",
                 "/people/new", "/offerings/new?kind=recurring", f"/offerings/{offering_id}/edit", "/takings",
                 "/admin/users", "/admin/keys", "/admin/settings", "/admin/audit?what=attendance."):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == "sv"
        no_serious_violations(page)
    context.close()


def test_an_admin_creates_a_weekly_class_and_sees_its_slots_on_the_timetable(browser, server, browser_database):
    last_weeks_lunch(browser_database)
    start = today_in("Europe/London") + timedelta(days=1)
    context = browser.new_context(viewport=TABLET, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server}/{demo.CHARITY}/login")
    page.get_by_label("Email, card number or customer number").fill(demo.admin_username(demo.CHARITY))
    page.get_by_label("Password", exact=True).fill(demo.STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Recurring class (each date booked on its own)").click()
    name = f"Chair Yoga {uuid.uuid4().hex[:4]}"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Type of class").fill("Healthy Living")
    page.get_by_label("First date").fill(start.isoformat())
    page.get_by_label("Time", exact=True).fill("10:30")
    page.get_by_label("Repeats").select_option(label="Every week")
    page.get_by_label("Last date").fill((start + timedelta(days=21)).isoformat())
    page.get_by_label("Places", exact=True).fill("12")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == "The offering is saved."
    assert page.locator("tr", has_text=name).count() == 1  # this week's date, on the week shown
    for week in range(1, 4):
        page.goto(f"{server}/{demo.CHARITY}/staff/?day={(start + timedelta(days=7 * week)).isoformat()}")
        row = page.locator("tr", has_text=name)
        assert row.count() == 1 and "10:30" in row.inner_text() and "12" in row.inner_text()
    context.close()
