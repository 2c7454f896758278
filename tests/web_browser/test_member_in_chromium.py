"""A member in Chromium: logs in, filters the timetable, books, joins a waiting list, cancels, sees the
promotion and downloads the .ics; on a phone in Swedish and on a desktop in English, with htmx on;
and the same forms with JavaScript off. axe-core finds no serious violation on any page shown."""

from __future__ import annotations

import re

import pytest
from browser_support import PASSWORD, build_gym, serious_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WORDS = {
    "sv": {"log_in": "Logga in", "login": "E-post, kortnummer eller kundnummer", "password": "Lösenord",
           "venue": "Anläggning", "show": "Visa", "book": "Boka", "booked": "Du är bokad.",
           "join": "Ställ dig i kö", "queued": "Du står i kön.", "number": "Du har plats 2 i kön",
           "cancel": "Avboka", "cancelled": "Din bokning är avbokad.", "yours": "Du är bokad",
           "calendar": "Lägg till i kalendern", "my": "Mina bokningar", "upcoming": "Kommande"},
    "en": {"log_in": "Log in", "login": "Email, card number or customer number", "password": "Password",
           "venue": "Venue", "show": "Show", "book": "Book", "booked": "You are booked.",
           "join": "Join the waiting list", "queued": "You are on the waiting list.",
           "number": "You are number 2 on the waiting list", "cancel": "Cancel booking",
           "cancelled": "Your booking is cancelled.", "yours": "You are booked", "calendar": "Add to calendar",
           "my": "My bookings", "upcoming": "Upcoming"},
}


def card(page, slot_id):
    return page.locator(f"#slot-{slot_id}")


def no_serious_violations(page):
    assert serious_violations(page) == [], page.url


@pytest.mark.parametrize(("viewport", "language"), [(PHONE, "sv"), (DESKTOP, "en")], ids=["phone-sv", "desktop-en"])
def test_a_member_books_queues_cancels_sees_the_promotion_and_takes_the_ics(browser, server, browser_database,
                                                                          viewport, language):
    gym, words = build_gym(browser_database, "sv"), WORDS[language]
    context = browser.new_context(viewport=viewport, locale="sv-SE" if language == "sv" else "en-GB",
                                  bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/{gym.slug}/?week={gym.day.isoformat()}")
    assert page.locator("html").get_attribute("lang") == language
    no_serious_violations(page)
    page.get_by_role("link", name=words["log_in"], exact=True).first.click()
    page.get_by_label(words["login"]).fill(gym.email.upper())
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    no_serious_violations(page)
    page.get_by_role("button", name=words["log_in"]).click()
    page.goto(f"{server}/{gym.slug}/?week={gym.day.isoformat()}")

    page.get_by_label(words["venue"]).select_option(label="North Hall")
    page.get_by_role("button", name=words["show"], exact=True).click()
    assert card(page, gym.spinning).count() == 0 and card(page, gym.boxing).count() == 1

    card(page, gym.boxing).get_by_role("button", name=re.compile(f"^{words['book']}")).click()
    page.get_by_text(words["booked"]).wait_for()
    card(page, gym.yoga).get_by_role("button", name=re.compile(f"^{words['join']}")).click()
    page.get_by_text(words["queued"]).wait_for()
    assert words["number"] in card(page, gym.yoga).inner_text()
    card(page, gym.boxing).get_by_role("button", name=re.compile(f"^{words['cancel']}")).click()
    page.get_by_text(words["cancelled"]).wait_for()
    no_serious_violations(page)

    gym.free_the_yoga_place()
    page.reload()
    assert words["yours"] in card(page, gym.yoga).inner_text()
    with page.expect_download() as download:
        card(page, gym.yoga).get_by_role("link", name=re.compile(f"^{words['calendar']}")).click()
    content = download.value.path().read_text()
    assert "BEGIN:VCALENDAR" in content and "SUMMARY:Yin Yoga" in content and "TZID=Europe/Stockholm" in content

    page.get_by_role("link", name=words["my"]).click()
    page.get_by_role("heading", name=words["upcoming"]).wait_for()
    assert "Yin Yoga" in page.locator("main").inner_text()
    no_serious_violations(page)
    context.close()


def test_with_javascript_off_the_plain_forms_book_and_cancel_and_the_language_switch_works(
        browser, server, browser_database):
    gym = build_gym(browser_database, "en")
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/{gym.slug}/login")
    page.get_by_label("Email, card number or customer number").fill(gym.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{server}/{gym.slug}/?week={gym.day.isoformat()}")
    card(page, gym.spinning).get_by_role("button", name=re.compile("^Book")).click()
    assert "You are booked." in page.locator(".message").inner_text()
    assert "You are booked" in card(page, gym.spinning).inner_text()
    card(page, gym.spinning).get_by_role("button", name=re.compile("^Cancel booking")).click()
    assert "Your booking is cancelled." in page.locator(".message").inner_text()
    page.get_by_role("link", name="Svenska").click()
    assert page.get_by_role("heading", name="Schema").count() == 1
    context.close()
