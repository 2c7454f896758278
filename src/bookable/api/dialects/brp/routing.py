"""The BRP router: every resource answers at `/{tenant}/api/ver2/<resource>`, `.xml` and `.json`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp.errors import invalid
from bookable.api.dialects.brp.render import Content, document_response, format_of
from bookable.api.direct_route import DirectRoute
from bookable.domain.actors import utc_now
from bookable.domain.errors import ValidationError
from bookable.domain.localtime import to_local, to_utc

PREFIX = "/{tenant}/api/ver2/"
SUFFIXES = (".xml", ".json", "")
DEFAULT_DAYS = 14
MAX_RANGE_DAYS = 366
MAX_ROWS = 2000
"""The most activities (or bookings) one answer lists: a year of a busy timetable comes in several."""
NEXT_FROMDATE = "X-Bookable-Next-Fromdate"

router = APIRouter(include_in_schema=False, route_class=DirectRoute)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])
Row = TypeVar("Row")


def endpoint(method: str, resource: str) -> Callable[[Endpoint], Endpoint]:
    """Register one endpoint under the three spellings of its path (suffixed ones first)."""

    def register(function: Endpoint) -> Endpoint:
        for suffix in SUFFIXES:
            router.add_api_route(PREFIX + resource + suffix, function, methods=[method])
        return function

    return register


def respond(request: Request, tag: str, content: Content, *, status: int = 200) -> Response:
    # the path, not request.url: a URL object is built anew at every call
    return document_response(format_of(request.scope["path"]), tag, content, status=status)


def today_in(zone: str) -> date:
    return to_local(utc_now(), zone).date()


def date_range(params: dict[str, Any], zone: str) -> tuple[date, date]:
    """fromdate (default today) and todate (default fromdate + 14 days), both inclusive."""
    first: date = params.get("fromdate") or today_in(zone)
    last: date = params.get("todate") or _days_after(first, DEFAULT_DAYS, "fromdate")
    if last < first:
        raise invalid("todate", "todate is before fromdate.")
    if (last - first).days > MAX_RANGE_DAYS:
        raise invalid("todate", f"At most {MAX_RANGE_DAYS} days between fromdate and todate.")
    return first, last


def day_starts(first: date, last: date, zone: str, params: dict[str, Any]) -> tuple[datetime, datetime]:
    """UTC instants from the start of `first` to the start of the day after `last`, local time."""
    last_from = "todate" if "todate" in params else "fromdate"
    return day_start(first, zone, "fromdate"), day_start(last, zone, last_from, after=True)


def day_start(day: date, zone: str, name: str, *, after: bool = False) -> datetime:
    """Local midnight at the start of `day` (or of the day after it), as a UTC instant. A valid date
    too near the ends of the calendar for that (0001-01-01, 9999-12-31) is the fault of the
    parameter `name` that gave it: 1001, not a failure of ours."""
    try:
        return to_utc(_days_after(day, 1, name) if after else day, time(0), zone)
    except ValidationError:
        raise invalid(name, f"{name} is out of range.") from None


def _days_after(day: date, days: int, name: str) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise invalid(name, f"{name} is out of range.") from None


def whole_days(rows: Sequence[Row], day_of: Callable[[Row], str]) -> tuple[list[Row], str | None]:
    """At most MAX_ROWS of `rows` (ordered by start), ending with a whole day, and the day the next
    call should start from when some were left out (else None). A single day holding more than
    MAX_ROWS is cut at MAX_ROWS."""
    if len(rows) <= MAX_ROWS:
        return list(rows), None
    next_day = day_of(rows[MAX_ROWS])
    kept = [row for row in rows[:MAX_ROWS] if day_of(row) < next_day]
    return kept or list(rows[:MAX_ROWS]), next_day


def span(timepoints: list[str | None], first: date, last: date) -> dict[str, str | None]:
    """The list's `<start/>` and `<end/>`: its earliest and latest day, or the asked range if empty."""
    present = [point[:10] for point in timepoints if point]
    if not present:
        return {"start": first.isoformat(), "end": last.isoformat()}
    return {"start": min(present), "end": max(present)}
