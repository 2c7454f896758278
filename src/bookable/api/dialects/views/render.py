"""One neutral tree (Node) rendered as Views XML or as its JSON equivalent, and the error envelope.

XML: a Node is an element with an `id` attribute; a list field is a wrapper element holding one
element per item. JSON: the same tree as objects; 0/1 flags as numbers, money as "20.00" strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union

import orjson
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.views.negotiation import responds_json
from bookable.api.errors import Failure
from bookable.api.xml import XmlResponse, sub

Scalar = str | int | bool | Decimal | None
ENGINE_FIELDS = {"person_id": "ContactID", "slot_id": "sid", "booking_id": "pid", "offering_id": "SessionGroupID",
                 "places": "Places"}
"""The engine's names of the fields a failure may name, as a Views caller knows them. POST names
the person PersonID, as its body does."""
Value = Union[Scalar, "Node", list["Node"]]


@dataclass
class Node:
    tag: str
    id: int | None = None
    fields: list[tuple[str, Value]] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


def _xml_text(value: Scalar) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _json_value(value: Value) -> Any:
    if isinstance(value, Node):
        return _json_object(value)
    if isinstance(value, list):
        return [_json_object(item) for item in value]
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _json_object(node: Node) -> dict[str, Any]:
    body: dict[str, Any] = {} if node.id is None else {"id": node.id}
    body.update(node.attributes)
    body.update((name, _json_value(value)) for name, value in node.fields)
    return body


def to_xml(node: Node, parent: etree._Element | None = None, tag: str | None = None) -> etree._Element:
    attributes = dict(node.attributes) if node.id is None else {"id": str(node.id), **node.attributes}
    name = tag or node.tag
    element = etree.Element(name, attributes) if parent is None else sub(parent, name, **attributes)
    for field_name, value in node.fields:
        if isinstance(value, Node):
            to_xml(value, element, field_name)
        elif isinstance(value, list):
            wrapper = sub(element, field_name)
            for item in value:
                to_xml(item, wrapper)
        else:
            sub(element, field_name, _xml_text(value))
    return element


def to_json(node: Node) -> dict[str, Any]:
    return {node.tag: _json_object(node)}


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def respond(request: Request, node: Node, status: int = 200) -> Response:
    if responds_json(request):
        return JsonResponse(to_json(node), status_code=status)
    return XmlResponse(to_xml(node), status_code=status)


def render_failure(request: Request | None, failure: Failure) -> Response:
    """`<errors><error code=".." field="..">message</error></errors>`, or the same as JSON."""
    field = views_field(request, failure.field)
    extra = {"code": failure.code, **({"field": field} if field else {})}
    if responds_json(request):
        return JsonResponse({"errors": [{"error": failure.message, **extra}]}, status_code=failure.status)
    root = etree.Element("errors")
    sub(root, "error", failure.message, **extra)
    return XmlResponse(root, status_code=failure.status)


def views_field(request: Request | None, field: str | None) -> str | None:
    if field == "person_id" and request is not None and request.method == "POST":
        return "PersonID"
    return ENGINE_FIELDS.get(field, field) if field else field
