"""iCalendar documents of a member's bookings, for the web pages (bookable.ical builds them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bookable import ical
from bookable.storage.queries.web import CalendarEntry, Site


def calendar(site: Site, entries: Sequence[CalendarEntry], now: datetime, *, name: str, host: str) -> bytes:
    items = [booking_item(site.slug, entry, host) for entry in entries]
    return ical.calendar(site.timezone, items, now, name=name, organizer=(site.name, f"noreply@{host}"))


def booking_item(slug: str, entry: CalendarEntry, host: str) -> ical.CalendarItem:
    return ical.CalendarItem(
        uid=ical.booking_uid(entry.booking_id, entry.slot_id, slug, host), name=entry.name,
        starts_at=entry.starts_at, ends_at=entry.ends_at, changed_at=entry.changed_at,
        status=ical.booking_status(entry.status, entry.cancelled), place=entry.place, description=entry.description)
