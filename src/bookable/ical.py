"""iCalendar documents (the icalendar library), for every place bookable hands out a calendar: a
member's bookings (web pages, emails) and the public timetable feeds. Times are in the tenant's
zone with its VTIMEZONE, so a phone shows 18:00 on both sides of a daylight-saving change; each
event's UID is stable, so a calendar app updates an event rather than adding it twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bookable.domain.localtime import to_local

PRODUCT = "-//bookable//web pages//EN"
ZONE_MARGIN = timedelta(days=400)


@dataclass(frozen=True)
class CalendarItem:
    """One event of a calendar, as bookable describes it."""

    uid: str
    name: str
    starts_at: datetime
    ends_at: datetime
    changed_at: datetime
    status: str  # CONFIRMED, TENTATIVE or CANCELLED
    place: str = ""
    description: str = ""


def calendar(zone: str, items: Sequence[CalendarItem], now: datetime, *, name: str, organizer: tuple[str, str],
             method: str = "PUBLISH") -> bytes:
    """The document of `items`, in `zone`; organizer is (name, email address)."""
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", method)
    document.add("x-wr-calname", name)
    document.add("x-wr-timezone", zone)
    for item in items:
        document.add_component(_event(zone, item, now, organizer))
    if items:
        first = min(item.starts_at for item in items).date()
        last = max(item.ends_at for item in items).date()
        document.add_missing_timezones(first_date=first - ZONE_MARGIN, last_date=last + ZONE_MARGIN)
    else:
        document.add_missing_timezones(first_date=date.today(), last_date=date.today())
    return document.to_ical()  # type: ignore[no-any-return]


def _event(zone: str, item: CalendarItem, now: datetime, organizer: tuple[str, str]) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", now)
    event.add("last-modified", item.changed_at)
    event.add("dtstart", to_local(item.starts_at, zone))
    event.add("dtend", to_local(item.ends_at, zone))
    event.add("summary", item.name)
    if item.place:
        event.add("location", item.place)
    if item.description:
        event.add("description", item.description)
    event.add("status", item.status)
    event.add("organizer", f"mailto:{organizer[1]}", parameters={"cn": organizer[0]})
    return event


def booking_status(booking_status: str, slot_cancelled: bool) -> str:
    """How a booked date shows in a calendar: cancelled (the booking or the class), tentative while
    waiting for a place, else confirmed."""
    if slot_cancelled or booking_status == "cancelled":
        return "CANCELLED"
    return "TENTATIVE" if booking_status == "waitlisted" else "CONFIRMED"


def booking_uid(booking_id: int, slot_id: int, tenant_slug: str, host: str) -> str:
    return f"booking-{booking_id}-slot-{slot_id}.{tenant_slug}@{host}"


def slot_uid(slot_id: int, tenant_slug: str, host: str) -> str:
    return f"slot-{slot_id}.{tenant_slug}@{host}"
