"""The public calendar feeds of a tenant's timetable: the whole of it, one venue's and one
instructor's or room's, parsed with the icalendar library: local times on both sides of the next
daylight-saving change with the zone's VTIMEZONE, cancelled classes CANCELLED, the same UIDs on
every request, only published classes, and 404 for ids that are not the tenant's."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from tests.conftest import add_api_key
from tests.local_dates import local_today

from bookable.domain.actors import Role
from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork

API = "/api/v1"
ZONE = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def admin(world):
    return {"Authorization": f"Bearer {add_api_key(world)}"}


def created(client, path, body, headers):
    response = client.post(f"{API}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def next_offset_change(after: date) -> date:
    """The first day after `after` whose 12:00 has another UTC offset than the day before."""
    day = after
    while True:
        day += timedelta(days=1)
        before = datetime.combine(day - timedelta(days=1), time(12), ZONE).utcoffset()
        if datetime.combine(day, time(12), ZONE).utcoffset() != before:
            return day


def event(client, admin, name, day, **extra):
    body = {"kind": "event", "name": name, "group": "Classes", "start_date": day.isoformat(), "start_time": "18:00",
            "duration": 60, "spaces": 5, "min_cancel": 0, **extra}
    return created(client, "offerings", body, admin)


def feed(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events_by_name(calendar):
    return {str(vevent["summary"]): vevent for vevent in calendar.walk("VEVENT")}


def test_the_public_feed_shows_the_published_timetable_across_a_daylight_saving_change(client, world, admin):
    change = next_offset_change(local_today() + timedelta(days=8))
    hall = created(client, "business-units", {"name": "Hall"}, admin)
    teacher = created(client, "resources", {"name": "Tove", "kind": "instructor"}, admin)
    before = event(client, admin, "Before", change - timedelta(days=7), business_unit_id=hall["id"],
                   resource_ids=[teacher["id"]])
    after = event(client, admin, "After", change + timedelta(days=7))
    later = datetime.now(ZONE) + timedelta(days=30)
    event(client, admin, "Unpublished", change - timedelta(days=6), publish_start=later.isoformat())
    cancelled = event(client, admin, "Cancelled", change - timedelta(days=5))
    response = client.post(f"{API}/slots/{cancelled['slots'][0]['id']}/cancel", json={}, headers=admin)
    assert response.status_code == 200, response.text

    calendar = feed(client, f"/{world.tenant.slug}/calendar.ics")

    shown = events_by_name(calendar)
    assert set(shown) == {"Before", "After", "Cancelled"}
    starts = {name: shown[name].decoded("dtstart") for name in ("Before", "After")}
    assert all(start.time() == time(18, 0) and str(start.tzinfo) == "Europe/Stockholm" for start in starts.values())
    assert starts["Before"].utcoffset() != starts["After"].utcoffset()
    assert shown["Before"]["dtstart"].params["TZID"] == "Europe/Stockholm"
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["tzid"] == "Europe/Stockholm" and zone.walk("STANDARD") and zone.walk("DAYLIGHT")
    assert shown["Cancelled"]["status"] == "CANCELLED" and shown["Before"]["status"] == "CONFIRMED"
    assert str(shown["Before"]["uid"]) == f"slot-{before['slots'][0]['id']}.{world.tenant.slug}@testserver"
    assert shown["Before"]["location"] == "Hall" and "Tove" in str(shown["Before"]["description"])
    again = events_by_name(feed(client, f"/{world.tenant.slug}/calendar.ics"))
    assert {name: str(vevent["uid"]) for name, vevent in again.items()} == \
        {name: str(vevent["uid"]) for name, vevent in shown.items()}
    assert after["slots"][0]["id"] != before["slots"][0]["id"]


def test_a_venue_and_a_resource_have_feeds_of_their_own_and_other_ids_are_not_found(
        client, world, admin, database):
    day = local_today() + timedelta(days=4)
    hall, gym = (created(client, "business-units", {"name": name}, admin) for name in ("Hall", "Gym"))
    room = created(client, "resources", {"name": "Studio 2", "kind": "room"}, admin)
    event(client, admin, "In the hall", day, business_unit_id=hall["id"], resource_ids=[room["id"]])
    event(client, admin, "In the gym", day, business_unit_id=gym["id"])
    slug = world.tenant.slug

    assert set(events_by_name(feed(client, f"/{slug}/calendar/venue/{hall['id']}.ics"))) == {"In the hall"}
    assert set(events_by_name(feed(client, f"/{slug}/calendar/venue/{gym['id']}.ics"))) == {"In the gym"}
    in_room = feed(client, f"/{slug}/calendar/resource/{room['id']}.ics")
    assert set(events_by_name(in_room)) == {"In the hall"} and in_room["x-wr-calname"].startswith("Studio 2")

    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{slug[2:]}", timezone="Europe/London")
        uow.commit()
    other_key = {"Authorization": f"Bearer {_key(database, other)}"}
    foreign = created(client, "business-units", {"name": "Theirs"}, other_key)
    for path in (f"venue/{foreign['id']}.ics", "venue/999999999.ics", "venue/abc.ics", "venue/0.ics",
                 f"resource/{foreign['id'] + 100000}.ics", "resource/99999999999.ics"):
        assert client.get(f"/{slug}/calendar/{path}").status_code == 404, path
    assert client.get(f"/{other.slug}/calendar/venue/{hall['id']}.ics").status_code == 404
    assert client.get(f"/{other.slug}/calendar/venue/{foreign['id']}.ics").status_code == 200
    assert client.get("/no-such-tenant/calendar.ics").status_code == 404


def _key(database, tenant):
    with UnitOfWork(database, tenant.id) as uow:
        _, key = accounts.add_api_key(uow, tenant, "feeds", Role.ADMIN)
        uow.commit()
    return key


def test_the_timetable_links_to_its_feeds(client, world, admin):
    hall = created(client, "business-units", {"name": "Hall"}, admin)
    slug = world.tenant.slug

    page = client.get(f"/{slug}/").text
    assert f'href="/{slug}/calendar.ics"' in page and "/calendar/venue/" not in page
    filtered = client.get(f"/{slug}/", params={"unit": hall["id"]}).text
    assert f'href="/{slug}/calendar/venue/{hall["id"]}.ics"' in filtered and "only Hall" in filtered
    swedish = client.get(f"/{slug}/", params={"lang": "sv"}).text
    assert "Prenumerera på schemat i din kalender" in swedish
