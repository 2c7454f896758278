"""The BRP router: every resource answers at `/{tenant}/api/ver2/<resource>`, `.xml` and `.json`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp.errors import invalid
from bookable.api.dialects.brp.render import Content, document_response, format_of
from bookable.api.direct_route import DirectRoute
from bookable.domain.actors import utc_now
from bookable.domain.localtime import to_local, to_utc

PREFIX = "/{tenant}/api/ver2/"
SUFFIXES = (".xml", ".json", "")
DEFAULT_DAYS = 14
MAX_RANGE_DAYS = 92

router = APIRouter(include_in_schema=False, route_class=DirectRoute)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Response])


def endpoint(method: str, resource: str) -> Callable[[Endpoint], Endpoint]:
    """Register one endpoint under the three spellings of its path (suffixed ones first)."""

    def register(function: Endpoint) -> Endpoint:
        for suffix in SUFFIXES:
            router.add_api_route(PREFIX + resource + suffix, function, methods=[method])
        return function

    return register


def respond(request: Request, tag: str, content: Content, *, status: int = 200) -> Response:
    return document_response(format_of(request.scope["path"]), tag, content, status=status)  # not request.url: ~5 us


def today_in(zone: str) -> date:
    return to_local(utc_now(), zone).date()


def date_range(params: dict[str, Any], zone: str) -> tuple[date, date]:
    """fromdate (default today) and todate (default fromdate + 14 days), both inclusive."""
    first: date = params.get("fromdate") or today_in(zone)
    last: date = params.get("todate") or first + timedelta(days=DEFAULT_DAYS)
    if last < first:
        raise invalid("todate", "todate is before fromdate.")
    if (last - first).days > MAX_RANGE_DAYS:
        raise invalid("todate", f"At most {MAX_RANGE_DAYS} days between fromdate and todate.")
    return first, last


def day_starts(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """UTC instants from the start of `first` to the start of the day after `last`, local time."""
    return to_utc(first, datetime.min.time(), zone), to_utc(last + timedelta(days=1), datetime.min.time(), zone)


def span(timepoints: list[str | None], first: date, last: date) -> dict[str, str | None]:
    """The list's `<start/>` and `<end/>`: its earliest and latest day, or the asked range if empty."""
    present = [point[:10] for point in timepoints if point]
    if not present:
        return {"start": first.isoformat(), "end": last.isoformat()}
    return {"start": min(present), "end": max(present)}
