"""JSON out with orjson: a response that renders pydantic models or plain data with orjson (bodies
are parsed with orjson by api.direct_route.DirectRoute)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(plain(content))


def plain(content: Any) -> Any:
    if isinstance(content, BaseModel):
        return content.model_dump(mode="json")
    if isinstance(content, list):
        return [plain(item) for item in content]
    return content


def created(content: Any, location: str) -> JsonResponse:
    return JsonResponse(content, status_code=201, headers={"Location": location})


def no_content() -> Response:
    return Response(status_code=204)
