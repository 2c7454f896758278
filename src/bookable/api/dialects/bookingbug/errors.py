"""BookingBug's error envelope: <errors><error code=".." field="..">message</error></errors>.

The element text is the human message only (what a Rails-era client reads); the stable code and
the offending field ride along as attributes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bookable.api.errors import Failure
from bookable.api.xml import XmlResponse, element, sub

STATUS = {"invalid_parameter": 422, "too_many_places": 422}
FIELD_NAMES = {"start_time": "time", "group_name": "group", "offering_id": "id", "slot_id": "id"}


def status_for(code: str) -> int | None:
    return STATUS.get(code)


def render_errors(request: Request | None, failure: Failure) -> Response:
    root = element("errors")
    attributes = {"code": failure.code}
    if failure.field:
        attributes["field"] = FIELD_NAMES.get(failure.field, failure.field)
    sub(root, "error", failure.message, **attributes)
    return XmlResponse(root, status_code=failure.status)
