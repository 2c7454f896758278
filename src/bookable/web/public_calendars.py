"""Public calendar feeds of a tenant's published timetable: the whole timetable
(`/{tenant}/calendar.ics`), one venue's (`/{tenant}/calendar/venue/{id}.ics`) and one instructor's
or room's (`/{tenant}/calendar/resource/{id}.ics`), from a month back to a year ahead (at most
5,000 classes). Anyone may subscribe: they show what the timetable page shows, cancelled classes
as cancelled. An id that is not one of the tenant's venues or resources answers 404, as an unknown
page."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bookable import ical
from bookable.storage.queries.web import TimetableEntry
from bookable.web import engine
from bookable.web.rendering import PAGE_HEADERS
from bookable.web.routing import router
from bookable.web.visit import PageNotFound, Visit, begin

PAST = timedelta(days=30)
AHEAD = timedelta(days=366)  # a year: a subscribed calendar sees the next daylight-saving change


@router.get("/{tenant}/calendar.ics")
async def timetable_feed(request: Request, tenant: str) -> Response:
    visit = await begin(request, tenant)
    return await _feed(visit, visit.site.name)


@router.get("/{tenant}/calendar/venue/{venue_id}.ics")
async def venue_feed(request: Request, tenant: str, venue_id: str) -> Response:
    visit = await begin(request, tenant)
    venue, name = await _one_of(visit, venue_id, "business_units")
    return await _feed(visit, f"{name} · {visit.site.name}", business_unit=venue)


@router.get("/{tenant}/calendar/resource/{resource_id}.ics")
async def resource_feed(request: Request, tenant: str, resource_id: str) -> Response:
    visit = await begin(request, tenant)
    resource, name = await _one_of(visit, resource_id, "resources")
    return await _feed(visit, f"{name} · {visit.site.name}", resource=resource)


async def _one_of(visit: Visit, text: str, kind: str) -> tuple[int, str]:
    """The tenant's venue or resource of this id, with its name; PageNotFound for any other."""
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise PageNotFound(text)
    choices = await engine.filter_choices(visit.web.database, visit.site.id)  # not the page's cached copy
    names = dict(getattr(choices, kind))
    if int(text) not in names:
        raise PageNotFound(text)
    return int(text), names[int(text)]


async def _feed(visit: Visit, name: str, *, business_unit: int | None = None, resource: int | None = None
                ) -> Response:
    entries = await engine.timetable_calendar(visit.web.database, visit.site.id, visit.now - PAST, visit.now + AHEAD,
                                              visit.now, business_unit=business_unit, resource=resource)
    host = visit.request.url.hostname or "bookable"
    items = [_item(visit.site.slug, entry, host) for entry in entries]
    body = ical.calendar(visit.site.timezone, items, visit.now, name=name,
                         organizer=(visit.site.name, f"noreply@{host}"))
    headers = {**PAGE_HEADERS, "Cache-Control": "public, max-age=300"}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


def _item(slug: str, entry: TimetableEntry, host: str) -> ical.CalendarItem:
    people = [name for _, name, kind in entry.resources if kind == "instructor"]
    rooms = [name for _, name, kind in entry.resources if kind != "instructor"]
    description = "\n".join(part for part in (", ".join(people), entry.description) if part)
    return ical.CalendarItem(
        uid=ical.slot_uid(entry.slot_id, slug, host), name=entry.name, starts_at=entry.starts_at,
        ends_at=entry.ends_at, changed_at=entry.changed_at, status="CANCELLED" if entry.cancelled else "CONFIRMED",
        place=", ".join(part for part in (entry.place, *rooms) if part), description=description)
