"""DirectRoute: FastAPI's APIRoute, minus FastAPI's general dependency solver where an endpoint's
shape makes it unnecessary (ADR 0013).

FastAPI resolves every request's parameters with one general solver: cache keys, generator checks,
and the path, query, header and cookie parameters of the endpoint and of each dependency, even
when there are none: for a booking, more than the credential check and the body's validation it
surrounds (ADR 0013 has the figures).

A *direct* endpoint takes nothing but the `Request`, dependencies that themselves take nothing but
the `Request`, and at most one JSON body. For it, `DirectRoute` reads the request itself, in
FastAPI's order:

1. the body is read and parsed as FastAPI parses it (JSON only under a JSON content type; bad JSON
   is a 422 naming where it broke);
2. the dependencies run in the order declared, each once (a bad credential: 401 before any
   complaint about the body's content);
3. the body is validated by FastAPI's own `request_body_to_args` (422 with FastAPI's errors).

A `def` endpoint or dependency runs in the thread pool, as FastAPI runs it. Every other endpoint
keeps FastAPI's own handler. Either way the route, and so the OpenAPI document, is FastAPI's. JSON
bodies are parsed with orjson (its JSONDecodeError is json's, so FastAPI answers bad JSON alike).
"""

from __future__ import annotations

import email.message
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi.dependencies.models import Dependant

# Private helpers of FastAPI 0.165 (pinned): the exact behaviour relied on, the statuses, bodies and
# content types of every kind of bad body, is pinned by tests/contract/native/test_native_direct_routes.py,
# which compares this route with FastAPI's own handler and fails on any drift after an upgrade.
from fastapi.dependencies.utils import _get_form_models, _should_embed_body_fields, request_body_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.routing import APIRoute
from pydantic_core import PydanticUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.received import body_of, header

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class DirectRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        if is_direct(self.dependant):
            return _direct_handler(self.dependant, self._embed_body_fields)
        handler = super().get_route_handler()

        async def parse_with_orjson(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return parse_with_orjson


def is_direct(dependant: Dependant) -> bool:
    """Takes only the request, request-only dependencies (each a different function) and at most
    one JSON body."""
    dependencies = dependant.dependencies
    return (_plain_function(dependant.call) and _no_parameters(dependant)
            and len(dependant.body_params) <= 1
            and not any(isinstance(field.field_info, Form) for field in dependant.body_params)
            and all(_request_only(d) for d in dependencies)
            and len({d.call for d in dependencies}) == len(dependencies))


def _request_only(dependant: Dependant) -> bool:
    return (_plain_function(dependant.call) and _no_parameters(dependant)
            and not dependant.body_params and not dependant.dependencies)


def _no_parameters(dependant: Dependant) -> bool:
    return not (dependant.path_params or dependant.query_params or dependant.header_params
                or dependant.cookie_params or dependant.websocket_param_name
                or dependant.http_connection_param_name or dependant.response_param_name
                or dependant.background_tasks_param_name or dependant.security_scopes_param_name)


def _plain_function(call: Callable[..., Any] | None) -> bool:
    """A function FastAPI would just call or await: not a class, not a generator (yield)."""
    return (inspect.isfunction(call) and not inspect.isgeneratorfunction(call)
            and not inspect.isasyncgenfunction(call))


def _direct_handler(dependant: Dependant, embed_body_fields: bool) -> Handler:
    endpoint = _awaitable(dependant.call)
    request_name = dependant.request_param_name
    dependencies = [(d.name, _awaitable(d.call), d.request_param_name) for d in dependant.dependencies]
    body_fields = dependant.body_params
    validate_body = _body_validator(body_fields, embed_body_fields) if body_fields else None

    async def direct(request: Request) -> Response:
        received = await _received_body(request) if body_fields else None
        values: dict[str, Any] = {}
        for name, call, its_request in dependencies:
            value = await (call(**{its_request: request}) if its_request else call())
            if name is not None:  # None: declared in the decorator's dependencies=[...], run for its effect
                values[name] = value
        if validate_body is not None:
            values.update(await validate_body(received))
        if request_name:
            values[request_name] = request
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{dependant.call} must return a Response to run on a DirectRoute.")
        return response

    return direct


def _body_validator(body_fields: list[Any], embed_body_fields: bool) -> Callable[[Any], Awaitable[dict[str, Any]]]:
    """FastAPI's request_body_to_args, with what it decides from the fields alone decided once: a
    body that is one model, not embedded, is validated by its field straight away (as FastAPI
    does, with the same loc), and FastAPI itself answers every other shape and a missing body."""
    field = body_fields[0]
    whole_body = (len(body_fields) == 1 and not embed_body_fields and not _should_embed_body_fields(body_fields)
                  and not _get_form_models(field))

    async def validated(received: Any) -> dict[str, Any]:
        if whole_body and received is not PydanticUndefined:
            value, errors = field.validate(received, {}, loc=("body",))
            body_values = {field.name: value}
        else:
            body_values, errors = await request_body_to_args(body_fields, received, embed_body_fields)
        if errors:
            raise RequestValidationError(errors, body=received)
        return body_values

    return validated


def _awaitable(call: Callable[..., Any] | None) -> Callable[..., Awaitable[Any]]:
    assert call is not None
    if inspect.iscoroutinefunction(call):
        return call

    async def in_thread_pool(**values: Any) -> Any:
        return await run_in_threadpool(call, **values)

    return in_thread_pool


async def _received_body(request: Request) -> Any:
    """FastAPI's reading of a JSON body: none when empty (then "Field required"), the raw bytes
    unless the content type is JSON (then a type error), else the parsed document."""
    body = await body_of(request)
    if not body:
        return PydanticUndefined
    content_type = header(request.scope, b"content-type")
    if content_type is None or not (content_type == "application/json" or _is_json_type(content_type)):
        return body
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {},
              "ctx": {"error": error.msg}}], body=error.doc) from error


def _is_json_type(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
