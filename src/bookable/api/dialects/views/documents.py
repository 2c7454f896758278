"""Request bodies, XML or JSON, turned into one neutral shape before any field is read.

A Document has a root name and a value: a record (field -> text) for `<participant>`, `<payment>`,
`<booking>`; a list of records or of bare texts for `<participants>`; a text for `<refundtype>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lxml import etree

from bookable.api.dialects.views.negotiation import body_is_json
from bookable.api.errors import ApiError
from bookable.api.xml import parse_xml

Record = dict[str, str]
Item = Record | str
LIST_ROOT = "participants"
ITEM = "participant"
ROOTS = ("participant", "participants", "payment", "booking", "refundtype")
EXACT = frozenset({"PaymentAmount", "PaymentFee"})
"""Money is read exactly as sent (domain.money.parse_amount refuses `" 20 "`); other values are
trimmed of surrounding whitespace."""


@dataclass(frozen=True)
class Document:
    root: str | None
    value: Record | list[Item] | str

    def record(self) -> Record:
        if isinstance(self.value, dict):
            return self.value
        if isinstance(self.value, str) and not self.value:
            return {}
        raise malformed(f"<{self.root}> must contain fields, not a list or a bare value.")

    def items(self) -> list[Item]:
        if isinstance(self.value, list):
            return self.value
        if isinstance(self.value, str) and not self.value:
            return []
        raise malformed(f"<{self.root}> must contain a list of <participant> elements.")


def malformed(message: str) -> ApiError:
    return ApiError(400, "malformed_body", message)


def parse_document(body: bytes, content_type: str = "") -> Document:
    if not body.strip():
        raise malformed("The request body is empty.")
    if body_is_json(body) or ("json" in content_type.lower() and not body.lstrip().startswith(b"<")):
        return _from_json(body)
    return _from_xml(parse_xml(body))


def _from_xml(root: etree._Element) -> Document:
    children = [child for child in root if isinstance(child.tag, str)]
    if root.tag == LIST_ROOT:
        return Document(LIST_ROOT, [_xml_item(child) for child in children])
    if not children:
        return Document(root.tag, (root.text or "").strip())
    return Document(root.tag, _xml_record(root))


def _xml_item(child: etree._Element) -> Item:
    if child.tag != ITEM:
        raise malformed(f"<{LIST_ROOT}> may only contain <{ITEM}> elements, not <{child.tag}>.")
    if any(isinstance(grandchild.tag, str) for grandchild in child):
        return _xml_record(child)
    return (child.text or "").strip()


def _xml_record(parent: etree._Element) -> Record:
    record: Record = {}
    for child in parent:
        if not isinstance(child.tag, str):
            continue
        if any(isinstance(grandchild.tag, str) for grandchild in child):
            raise malformed(f"<{child.tag}> must hold a value, not further elements.")
        if child.tag in record:
            raise malformed(f"<{child.tag}> appears twice in <{parent.tag}>.")
        record[child.tag] = _trimmed(child.tag, child.text or "")
    return record


def _trimmed(name: str, text: str) -> str:
    return text if name in EXACT else text.strip()


def _from_json(body: bytes) -> Document:
    text = _decode(body).strip()
    if text.startswith('"'):
        text = "{" + text + "}"  # the spec's bulk sample is a bare `"participant": [...]` member
    try:
        data = json.loads(text, parse_float=str, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise malformed(f"The JSON is not well-formed: {str(error)[:200]}") from None
    return _json_document(data)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise malformed("The request body is not UTF-8.") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _json_document(data: Any) -> Document:
    if isinstance(data, list):
        return Document(LIST_ROOT, [_json_item(item) for item in data])
    if not isinstance(data, dict):
        raise malformed("The JSON body must be an object.")
    if len(data) == 1 and next(iter(data)) in ROOTS:
        root, value = next(iter(data.items()))
        return _json_rooted(root, value)
    return Document(None, _json_record(data))


def _json_rooted(root: str, value: Any) -> Document:
    if root == LIST_ROOT and isinstance(value, dict) and set(value) == {ITEM}:
        value = value[ITEM]
    if isinstance(value, list):
        if root not in (ITEM, LIST_ROOT):
            raise malformed(f'"{root}" must be an object, not a list.')
        return Document(LIST_ROOT, [_json_item(item) for item in value])
    if isinstance(value, dict):
        return Document(root, _json_record(value))
    return Document(root, _json_scalar(root, value) or "")


def _json_item(item: Any) -> Item:
    if isinstance(item, dict):
        return _json_record(item)
    scalar = _json_scalar(ITEM, item)
    return scalar or ""


def _json_record(data: dict[str, Any]) -> Record:
    record: Record = {}
    for name, value in data.items():
        scalar = _json_scalar(name, value)
        if scalar is not None:
            record[name] = scalar
    return record


def _json_scalar(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"  # a flag accepts these; an amount or an id does not
    if isinstance(value, str | int):
        return _trimmed(name, str(value))
    raise malformed(f'"{name}" must hold a single value, not a list or an object.')
