"""XML or JSON? The rule, in order (see docs/dialects/views.md):

1. An Accept header naming application/json or an XML type (text/xml, application/xml) decides;
   when it names both, the one listed first wins.
2. Otherwise a JSON request answers in JSON: Content-Type application/json, or a body that is JSON
   (it starts with `{`, `[` or `"`, as the spec's own bulk sample does while sending text/xml).
3. Otherwise XML.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

XML_TYPES = ("text/xml", "application/xml")
JSON_TYPE = "application/json"


def body_is_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[", b'"')


def _first_position(text: str, needles: tuple[str, ...]) -> int:
    positions = [text.find(needle) for needle in needles]
    found = [position for position in positions if position >= 0]
    return min(found) if found else -1


def wants_json(headers: Mapping[str, str], body: bytes = b"") -> bool:
    accept = headers.get("accept", "").lower()
    json_at = accept.find(JSON_TYPE)
    xml_at = _first_position(accept, XML_TYPES)
    if json_at >= 0 or xml_at >= 0:
        return xml_at < 0 or 0 <= json_at < xml_at
    return JSON_TYPE in headers.get("content-type", "").lower() or body_is_json(body)


def remember(request: Request, body: bytes) -> None:
    """Decide once per request, so that errors raised later answer in the same format."""
    request.state.views_json = wants_json(request.headers, body)


def responds_json(request: Request | None) -> bool:
    if request is None:
        return False
    decided = getattr(request.state, "views_json", None)
    return wants_json(request.headers) if decided is None else bool(decided)
