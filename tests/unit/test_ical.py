"""bookable.ical: the documents parse, the zone's VTIMEZONE comes before the events that name it,
and a calendar app reading only that VTIMEZONE puts every event at the zone's own offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bookable import ical

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
ORGANIZER = ("Studio", "noreply@example.org")


def item(uid: str, starts_at: datetime) -> ical.CalendarItem:
    return ical.CalendarItem(uid=uid, name=f"Yoga {uid}", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                             changed_at=NOW, status="CONFIRMED", place="Hall", description="Bring a mat")


def parsed(zone: str, items: list[ical.CalendarItem]) -> Calendar:
    return Calendar.from_ical(ical.calendar(zone, items, NOW, name="Studio", organizer=ORGANIZER))


def test_the_vtimezone_gives_each_event_its_zones_offset_across_daylight_saving_changes_and_years() -> None:
    starts = [datetime(2026, 3, 20, 17, tzinfo=UTC), datetime(2026, 4, 3, 16, tzinfo=UTC),
              datetime(2026, 11, 6, 17, tzinfo=UTC), datetime(2027, 7, 1, 16, tzinfo=UTC)]
    document = parsed("Europe/Stockholm", [item(str(number), start) for number, start in enumerate(starts)])

    assert [component.name for component in document.subcomponents] == ["VTIMEZONE"] + ["VEVENT"] * len(starts)
    [zone] = document.walk("VTIMEZONE")
    assert zone["tzid"] == "Europe/Stockholm" and zone.walk("STANDARD") and zone.walk("DAYLIGHT")
    from_the_document = zone.to_tz(lookup_tzid=False)
    for event, start in zip(document.walk("VEVENT"), starts, strict=True):
        wall_clock = event["dtstart"].dt.replace(tzinfo=None)
        assert wall_clock.hour == start.astimezone(ZoneInfo("Europe/Stockholm")).hour
        assert wall_clock.replace(tzinfo=from_the_document).utcoffset() == \
            start.astimezone(ZoneInfo("Europe/Stockholm")).utcoffset()


def test_calendars_in_the_same_years_carry_the_same_vtimezone() -> None:
    spring = parsed("America/New_York", [item("a", datetime(2026, 3, 2, 23, tzinfo=UTC))])
    autumn = parsed("America/New_York", [item("b", datetime(2026, 10, 12, 22, tzinfo=UTC))])

    assert spring.walk("VTIMEZONE")[0].to_ical() == autumn.walk("VTIMEZONE")[0].to_ical()
    assert [event["dtstart"].dt.hour for event in spring.walk("VEVENT") + autumn.walk("VEVENT")] == [18, 18]


def test_a_utc_calendar_has_no_vtimezone_and_an_empty_one_has_only_its_properties() -> None:
    in_utc = parsed("UTC", [item("a", datetime(2026, 3, 2, 18, tzinfo=UTC))])
    empty = parsed("Europe/Stockholm", [])

    assert [component.name for component in in_utc.subcomponents] == ["VEVENT"]
    assert in_utc.walk("VEVENT")[0]["dtstart"].to_ical() == b"20260302T180000Z"
    assert empty.subcomponents == [] and empty["x-wr-timezone"] == "Europe/Stockholm"
