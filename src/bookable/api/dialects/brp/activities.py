"""Group activities (pass): the timetable, one query per page."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import orjson
from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext
from bookable.api.dialects.brp import blocks, routing
from bookable.api.dialects.brp.context import credential_of, integration, member
from bookable.api.dialects.brp.params import Param, RawParams, a_boolean, a_date, an_id, id_list, raw_params, read
from bookable.api.dialects.brp.render import Element, Items, format_of, rendered, timepoint
from bookable.api.dialects.brp.routing import (
    NEXT_FROMDATE,
    date_range,
    day_starts,
    endpoint,
    respond,
    span,
    whole_days,
)
from bookable.api.execution import run_checks
from bookable.storage.queries import brp as reads

ACTIVITY_PARAMS = {
    "fromdate": Param(a_date),
    "todate": Param(a_date),
    "product": Param(id_list),
    "businessunit": Param(id_list),
    "productlabel": Param(id_list),
    "productgroup": Param(an_id),
    "bookablefrominternet": Param(a_boolean),
    "includebooking": Param(a_boolean),
}


@endpoint("GET", "activities")
async def list_activities(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    """Checks first (a member's first login may need argon2: a worker thread), then the page, on
    the event loop with SQLite (api/execution.py)."""
    context, wanted, (first, last) = await run_checks(credential_of(request, raw), _checked, request, raw)
    rows = await context.read(lambda uow: reads.activity_values(uow.session, context.tenant_id, wanted))
    return _page(request, context.zone(), rows, wanted.person_id is not None, first, last)


def _checked(request: Request, raw: RawParams) -> tuple[RequestContext, reads.ActivityFilter, tuple[date, date]]:
    context = integration(request, raw)
    params = read(raw, ACTIVITY_PARAMS)
    zone = context.zone()
    first, last = date_range(params, zone)
    person_id = member(request, context).person_id if params.get("includebooking") else None
    starts_from, starts_before = day_starts(first, last, zone, params)
    wanted = reads.ActivityFilter(
        starts_from=starts_from, starts_before=starts_before, products=params.get("product"),
        business_units=params.get("businessunit"), labels=params.get("productlabel"),
        group=params.get("productgroup"), internet_only=params.get("bookablefrominternet", True),
        person_id=person_id, limit=routing.MAX_ROWS + 1,
    )
    return context, wanted, (first, last)


def _page(request: Request, zone: str, found: list[Any], with_booking: bool, first: date, last: date) -> Response:
    rows, next_day = whole_days(found, lambda row: (timepoint(row.starts_at, zone) or "")[:10])
    fmt = format_of(request.scope["path"])
    items = [_activity(row, zone, with_booking, fmt) for row in rows]
    starts = [timepoint(rows[0].starts_at, zone), timepoint(rows[-1].starts_at, zone)] if rows else []
    content = {**span(starts, first, last), "activity": Items("activity", items, inline=True)}
    response = respond(request, "activities", content)
    if next_day is not None:
        response.headers[NEXT_FROMDATE] = next_day
    return response


@functools.lru_cache(maxsize=20_000)
def _activity(row: Any, zone: str, with_booking: bool, fmt: str) -> Element | orjson.Fragment:
    """One activity, rendered, remembered by the row it is made from. The row holds everything the
    block shows (places held, waiting, cancelled, names), so any change to the activity makes a
    new row and a new rendering; nothing is ever stale. A timetable week is read far more often than
    it changes, and rendering was two thirds of its cost."""
    block = blocks.activity(reads.activity_of(row, with_booking), zone, with_booking=with_booking)
    return rendered(fmt, "activity", block)
