"""iCalendar documents of a member's bookings (the icalendar library): times in the tenant's zone
with its VTIMEZONE, so a phone shows 18:00 on both sides of a daylight-saving change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bookable.domain.localtime import to_local
from bookable.storage.queries.web import CalendarEntry, Site

PRODUCT = "-//bookable//web pages//EN"


def calendar(site: Site, entries: Sequence[CalendarEntry], now: datetime, *, name: str, host: str) -> bytes:
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    document.add("x-wr-calname", name)
    document.add("x-wr-timezone", site.timezone)
    for entry in entries:
        document.add_component(_event(site, entry, now, host))
    if entries:
        first, last = entries[0].starts_at.date(), max(entry.ends_at for entry in entries).date()
        document.add_missing_timezones(first_date=first - timedelta(days=400), last_date=last + timedelta(days=400))
    else:
        document.add_missing_timezones(first_date=date.today(), last_date=date.today())
    return document.to_ical()  # type: ignore[no-any-return]


def _event(site: Site, entry: CalendarEntry, now: datetime, host: str) -> Event:
    event = Event()
    event.add("uid", f"booking-{entry.booking_id}-slot-{entry.slot_id}.{site.slug}@{host}")
    event.add("dtstamp", now)
    event.add("last-modified", entry.changed_at)
    event.add("dtstart", to_local(entry.starts_at, site.timezone))
    event.add("dtend", to_local(entry.ends_at, site.timezone))
    event.add("summary", entry.name)
    if entry.place:
        event.add("location", entry.place)
    if entry.description:
        event.add("description", entry.description)
    cancelled = entry.cancelled or entry.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "TENTATIVE" if entry.status == "waitlisted" else "CONFIRMED")
    event.add("organizer", f"mailto:noreply@{host}", parameters={"cn": site.name})
    return event
