"""JSON in and out with orjson: a route class whose requests parse bodies with orjson, and a
response that renders pydantic models or plain data with orjson."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    """orjson.JSONDecodeError subclasses json.JSONDecodeError, so FastAPI still answers bad JSON with 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def parse_with_orjson(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return parse_with_orjson


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
