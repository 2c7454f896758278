"""RFC 9457 problem+json, the native API's error envelope (and the fallback for unknown paths)."""

from __future__ import annotations

from http import HTTPStatus

import orjson
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.errors import Failure


class ProblemResponse(Response):
    media_type = "application/problem+json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def render_problem(request: Request | None, failure: Failure) -> Response:
    body: dict[str, object] = {
        "type": f"https://bookable.dev/problems/{failure.code.replace('_', '-')}",
        "title": HTTPStatus(failure.status).phrase,
        "status": failure.status,
        "detail": failure.message,
        "code": failure.code,
    }
    if failure.field:
        body["field"] = failure.field
    return ProblemResponse(body, status_code=failure.status)
