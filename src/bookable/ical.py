"""iCalendar documents (the icalendar library), for every place bookable hands out a calendar: a
member's bookings (web pages, emails) and the public timetable feeds. Times are in the tenant's
zone with its VTIMEZONE, so a phone shows 18:00 on both sides of a daylight-saving change; each
event's UID is stable, so a calendar app updates an event rather than adding it twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event, Timezone
from icalendar.timezone import tzid_from_tzinfo

from bookable.domain.localtime import to_local, zone_info

PRODUCT = "-//bookable//web pages//EN"
ZONE_MARGIN = timedelta(days=400)
ZONES_REMEMBERED = 64
"""VTIMEZONEs kept, each a zone over a span of whole years (about 1 kB each)."""
PROPERTIES_REMEMBERED = 1024
"""Calendar properties kept, one per calendar name (an email's is its class and tenant)."""
END = b"END:VCALENDAR\r\n"


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
    components = [_event(zone, item, now, organizer).to_ical() for item in items]
    if items:
        first = min(item.starts_at for item in items) - ZONE_MARGIN
        last = max(item.ends_at for item in items) + ZONE_MARGIN
        components.insert(0, vtimezone(zone, first.year, last.year))  # before the events that name it
    return _properties(zone, name, method) + b"".join(components) + END


@lru_cache(maxsize=PROPERTIES_REMEMBERED)
def _properties(zone: str, name: str, method: str) -> bytes:
    """The document's start and its own properties, the same for every calendar of one name."""
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", method)
    document.add("x-wr-calname", name)
    document.add("x-wr-timezone", zone)
    return document.to_ical().removesuffix(END)  # type: ignore[no-any-return]


@lru_cache(maxsize=ZONES_REMEMBERED)
def vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    """The zone's VTIMEZONE component from the first year's start to the last one's end, made once:
    icalendar works it out by searching the zone's offsets, which costs more than the rest of a
    calendar. Empty for UTC, whose times are written with a Z and need none."""
    tzid = tzid_from_tzinfo(zone_info(zone))
    if tzid is None or tzid == "UTC":
        return b""
    component = Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))
    return component.to_ical()  # type: ignore[no-any-return]


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
