"""My bookings (ledger balances, waiting-list places), add to calendar (.ics and the feed), the two
languages, and the server's front door."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from icalendar import Calendar
from web_support import fill, in_days

from bookable.domain.money import PaymentType
from bookable.services.bookings import book, record_payment
from bookable.storage import models as m


def member_booking(world, member, slot_id):
    with world.uow() as uow:
        booking = book(uow, world.admin, person_id=member.person_id, slot_id=slot_id).booking
        uow.commit()
    return booking.id


def test_my_bookings_lists_upcoming_bookings_waiting_places_and_what_is_still_to_pay(world, member, logged_in):
    priced = world.slots(world.offering(name="Workshop", price=Decimal("20.00"), start_date=in_days(4)).id)[0]
    full = world.slots(world.offering(name="Yoga", spaces=1, start_date=in_days(3)).id)[0]
    paid = member_booking(world, member, priced.id)
    with world.uow() as uow:
        record_payment(uow, world.admin, paid, payment_type=PaymentType.CASH, amount=Decimal("5.00"))
        uow.commit()
    fill(world, full.id, 1)
    logged_in.post("book", logged_in.week_of(full.local_date).form("/book", slot=full.id, waiting=1))
    page = logged_in.get("bookings")
    assert "Workshop" in page.card_text(paid) and "To pay: £15.00" in page.card_text(paid)
    assert page.has("In all, you have £15.00 to pay.")
    [waiting] = [b for b in page.doc.xpath('//li[contains(@class, "waitlisted")]')]
    assert "On the waiting list: number 1" in " ".join(waiting.text_content().split())


def test_a_booking_downloads_as_ics_at_local_time_with_its_zone_across_a_daylight_saving_change(
        world, member, logged_in):
    slot = world.slots(world.offering(name="Spinning", start_date=in_days(2), start_time=time(18, 0)).id)[0]
    booking_id = member_booking(world, member, slot.id)
    response = logged_in.client.get(f"/{world.tenant.slug}/bookings/{booking_id}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (18, 0, "Europe/Stockholm")
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert [zone["tzid"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert str(event["summary"]) == "Spinning" and str(event["status"]) == "CONFIRMED"


def test_the_calendar_feed_is_made_shown_once_followed_and_revoked(world, member, logged_in):
    slot = world.slots(world.offering(name="Pilates", start_date=in_days(2)).id)[0]
    member_booking(world, member, slot.id)
    csrf = logged_in.get("bookings").form("/calendar/new")["csrf"]
    made = logged_in.post("calendar/new", {"csrf": csrf})
    feed_url = made.doc.xpath('//input[@id="feed-url"]/@value')[0]
    assert feed_url.startswith("http://testserver/") and feed_url.endswith(".ics")
    path = feed_url.removeprefix("http://testserver")
    feed = logged_in.client.get(path, cookies={})
    assert feed.status_code == 200
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["summary"]) == "Pilates"
    with world.uow(write=False) as uow:
        stored = [row.token_hash for row in uow.session.query(m.CalendarFeed)]
    assert path.rsplit("/", 1)[1].removesuffix(".ics") not in stored  # only a hash is kept
    assert logged_in.get("bookings").has("You have a calendar link.")
    revoked = logged_in.post("calendar/revoke", {"csrf": logged_in.get("bookings").form("/calendar/revoke")["csrf"]})
    assert "no longer works" in revoked.message()
    assert logged_in.client.get(path).status_code == 404


def test_pages_speak_the_visitors_choice_else_their_browsers_language_else_the_tenants(world, visitor):
    slot = world.slots(world.offering(start_date=in_days(2)).id)[0]
    assert visitor.week_of(in_days(2)).has("Timetable")
    swedish = visitor.get("", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"}, week=in_days(2).isoformat())
    assert swedish.has("Schema") and 'lang="sv"' in swedish.text
    assert "av 5 platser lediga" in swedish.card(slot.id)
    with world.uow() as uow:
        uow.tenants.get(world.tenant.id).language = "sv"
        uow.commit()
    chosen = visitor.get("", lang="en", headers={"Accept-Language": "sv"})
    assert chosen.has("Timetable")
    assert visitor.get("", headers={"Accept-Language": "sv"}).has("Timetable")  # the choice is remembered
    switch = {link.get("hreflang"): link.get("href") for link in chosen.doc.xpath('//a[@hreflang]')}
    assert set(switch) == {"sv", "en"} and "lang=sv" in switch["sv"]


def test_money_and_dates_are_formatted_for_the_language(world, member, logged_in):
    from bookable.web.i18n import Formats

    at = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
    swedish, english = Formats("sv", "Europe/Stockholm", "SEK"), Formats("en", "Europe/Stockholm", "SEK")
    assert (swedish.moment(at), english.moment(at)) == ("tis 8 dec. 19:00", "Tue 8 Dec 19:00")
    assert swedish.money(Decimal("1200.00")).replace("\xa0", " ") == "1 200,00 kr"
    assert english.money(Decimal("1200.00")) == "SEK1,200.00"  # CLDR en_GB


def test_the_front_door_lists_every_site_only_when_allowed(client, world, monkeypatch):
    assert world.tenant.name not in client.get("/").text
    monkeypatch.setenv("BOOKABLE_WEB_LIST_SITES", "true")
    page = client.get("/")
    assert page.status_code == 200 and f'href="/{world.tenant.slug}/"' in page.text
    assert client.get(f"/{world.tenant.slug}", follow_redirects=False).headers["location"] == f"/{world.tenant.slug}/"


def test_a_server_with_one_tenant_leads_from_its_front_door_straight_to_its_site(tmp_path):
    from fastapi.testclient import TestClient

    from bookable.api.app import create_app
    from bookable.services import accounts
    from bookable.storage.database import Database
    from bookable.storage.schema import upgrade
    from bookable.storage.unit_of_work import UnitOfWork

    database = Database(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(database)
    with UnitOfWork(database, 0) as uow:
        accounts.add_tenant(uow, "riverside", timezone="Europe/London")
        uow.commit()
    with TestClient(create_app(database, roll_horizons=False)) as one:
        response = one.get("/", follow_redirects=False)
    database.dispose()
    assert (response.status_code, response.headers["location"]) == (303, "/riverside/")
