"""Which of ServiceStack's three formats a YM caller speaks, and the responses that write them.

The response format comes from a `.json` / `.xml` / `.jsv` suffix, then `?format=`, then the
Accept header; JSON when none of them names a format we speak.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.ym import datacontract, jsv
from bookable.api.errors import ApiError


class Format(StrEnum):
    JSON = "json"
    XML = "xml"
    JSV = "jsv"


MEDIA_TYPES = {
    "application/json": Format.JSON,
    "text/json": Format.JSON,
    "application/xml": Format.XML,
    "text/xml": Format.XML,
    "text/jsv": Format.JSV,
    "application/jsv": Format.JSV,
}


def suffix_of(path: str) -> Format | None:
    last_segment = path.rsplit("/", 1)[-1]
    _, dot, extension = last_segment.rpartition(".")
    return _format_named(extension) if dot else None


def _format_named(name: str) -> Format | None:
    try:
        return Format(name.strip().lower())
    except ValueError:
        return None


def media_format(content_type: str) -> Format | None:
    return MEDIA_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def accepted_format(accept: str) -> Format | None:
    """The supported media type the Accept header prefers most (q-values honoured, order breaks ties)."""
    ranked = []
    for position, entry in enumerate(accept.split(",")):
        media, *parameters = (part.strip() for part in entry.split(";"))
        ranked.append((-_quality(parameters), position, media))
    for _, _, media in sorted(ranked):
        chosen = media_format(media)
        if chosen is not None:
            return chosen
    return None


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def response_format(request: Request) -> Format:
    """The caller's format; an unknown `?format=` is a 400 (in JSON, as we can't speak it)."""
    from_suffix = suffix_of(request.url.path)
    if from_suffix is not None:
        return from_suffix
    named = request.query_params.get("format")
    if named is not None:
        chosen = _format_named(named)
        if chosen is None:
            raise ApiError(400, "invalid_parameter", f"Unknown format {named!r}: use json, xml or jsv.",
                           field="format")
        return chosen
    return accepted_format(request.headers.get("accept", "")) or Format.JSON


def lenient_format(request: Request | None) -> Format:
    """For error responses: the caller's format when it can be told, otherwise JSON."""
    if request is None:
        return Format.JSON
    try:
        return response_format(request)
    except ApiError:
        return Format.JSON


class JsonResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(_without_nulls(content))


class JsvResponse(Response):
    media_type = "text/jsv; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return jsv.dumps(content).encode()


class DataContractResponse(Response):
    """`content` is (root element name, payload); see datacontract.dumps."""

    media_type = "application/xml; charset=utf-8"

    def render(self, content: Any) -> bytes:
        root_name, payload = content
        return datacontract.dumps(root_name, payload)


def _without_nulls(value: Any) -> Any:
    """ServiceStack.Text leaves null properties out of JSON."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def respond(fmt: Format, root_name: str, payload: dict[str, Any], status: int = 200) -> Response:
    if fmt is Format.XML:
        return DataContractResponse((root_name, payload), status_code=status)
    if fmt is Format.JSV:
        return JsvResponse(payload, status_code=status)
    return JsonResponse(payload, status_code=status)
