"""Group activities (pass): the timetable, one query per page."""

from __future__ import annotations

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import integration, member
from bookable.api.dialects.brp.params import Param, RawParams, a_boolean, a_date, an_id, id_list, raw_params, read
from bookable.api.dialects.brp.render import Items
from bookable.api.dialects.brp.routing import date_range, day_starts, endpoint, respond, span
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
def list_activities(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, ACTIVITY_PARAMS)
    first, last = date_range(params, caller.zone)
    person_id = member(request, caller).person_id if params.get("includebooking") else None
    starts_from, starts_before = day_starts(first, last, caller.zone)
    wanted = reads.ActivityFilter(
        starts_from=starts_from, starts_before=starts_before, products=params.get("product"),
        business_units=params.get("businessunit"), labels=params.get("productlabel"),
        group=params.get("productgroup"), internet_only=params.get("bookablefrominternet", True),
        person_id=person_id,
    )
    with caller.uow() as uow:
        rows = reads.activities(uow.session, caller.tenant_id, wanted)
    items = [blocks.activity(row, caller.zone, with_booking=person_id is not None) for row in rows]
    content = {**span([item["start"] for item in items], first, last),
               "activity": Items("activity", items, inline=True)}
    return respond(request, "activities", content)
