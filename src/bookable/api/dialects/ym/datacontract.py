"""XML as ServiceStack writes it with .NET's DataContractSerializer.

Writing: the root is named after the DTO in the DTO's data-contract namespace, members in
alphabetical order, nulls as `i:nil="true"`, ResponseStatus members in ServiceStack's own
namespace and order, dictionaries and int lists in the Serialization/Arrays namespace.
Reading is lenient about namespaces, prefixes and member order (see docs/dialects/ym.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

DTO_NAMESPACE = "http://schemas.datacontract.org/2004/07/YM.Api.Models"
SERVICESTACK_NAMESPACE = "http://schemas.servicestack.net/types"
ARRAYS_NAMESPACE = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
_XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NIL = f"{{{XSI_NAMESPACE}}}nil"

RESPONSE_STATUS_ORDER = ("ErrorCode", "Message", "StackTrace", "Errors", "Meta")
RESPONSE_ERROR_ORDER = ("ErrorCode", "FieldName", "Message", "Meta")
INT_LIST_FIELDS = frozenset({"sessionids"})
DICTIONARY_LIST_FIELDS = frozenset({"sessions"})


# --- writing -------------------------------------------------------------------------------


def dumps(root_name: str, payload: Mapping[str, Any]) -> bytes:
    namespace = SERVICESTACK_NAMESPACE if root_name == "ErrorResponse" else DTO_NAMESPACE
    root = etree.Element(_qualified(namespace, root_name), nsmap={"i": XSI_NAMESPACE, None: namespace})
    for name in sorted(payload):
        _write_member(root, namespace, name, payload[name])
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return document


def _write_member(parent: etree._Element, namespace: str, name: str, value: Any) -> None:
    if name == "ResponseStatus" and isinstance(value, Mapping):
        _write_response_status(parent, namespace, value)
    elif isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
        _write_dictionary_list(_child(parent, namespace, name, ARRAYS_NAMESPACE), value)
    elif isinstance(value, list):
        holder = _child(parent, namespace, name, ARRAYS_NAMESPACE)
        for item in value:
            _text_child(holder, ARRAYS_NAMESPACE, "int", item)
    else:
        _text_child(parent, namespace, name, value)


def _write_response_status(parent: etree._Element, namespace: str, status: Mapping[str, Any]) -> None:
    holder = _child(parent, namespace, "ResponseStatus", SERVICESTACK_NAMESPACE)
    for name in RESPONSE_STATUS_ORDER:
        value = status.get(name)
        if value is None:
            continue
        if name == "Errors":
            errors = _child(holder, SERVICESTACK_NAMESPACE, "Errors")
            for error in value:
                _write_response_error(errors, error)
        elif name == "Meta":
            _write_dictionary(_child(holder, SERVICESTACK_NAMESPACE, "Meta", ARRAYS_NAMESPACE), value)
        else:
            _text_child(holder, SERVICESTACK_NAMESPACE, name, value)


def _write_response_error(parent: etree._Element, error: Mapping[str, Any]) -> None:
    holder = _child(parent, SERVICESTACK_NAMESPACE, "ResponseError")
    for name in RESPONSE_ERROR_ORDER:
        value = error.get(name)
        if value is None:
            continue
        if name == "Meta":
            _write_dictionary(_child(holder, SERVICESTACK_NAMESPACE, "Meta", ARRAYS_NAMESPACE), value)
        else:
            _text_child(holder, SERVICESTACK_NAMESPACE, name, value)


def _write_dictionary_list(holder: etree._Element, dictionaries: list[Mapping[str, Any]]) -> None:
    for dictionary in dictionaries:
        _write_dictionary(_child(holder, ARRAYS_NAMESPACE, "ArrayOfKeyValueOfstringstring"), dictionary)


def _write_dictionary(holder: etree._Element, dictionary: Mapping[str, Any]) -> None:
    for key, value in dictionary.items():
        pair = _child(holder, ARRAYS_NAMESPACE, "KeyValueOfstringstring")
        _text_child(pair, ARRAYS_NAMESPACE, "Key", key)
        _text_child(pair, ARRAYS_NAMESPACE, "Value", value)


def _child(parent: etree._Element, namespace: str, name: str, declare: str | None = None) -> etree._Element:
    """`declare` binds a namespace for the grandchildren, prefixed by depth as .NET does (d2p1, d3p1...)."""
    nsmap = None
    if declare and declare not in parent.nsmap.values():
        depth = sum(1 for _ in parent.iterancestors()) + 2
        nsmap = {f"d{depth}p1": declare}
    return etree.SubElement(parent, _qualified(namespace, name), nsmap=nsmap)


def _text_child(parent: etree._Element, namespace: str, name: str, value: Any) -> None:
    element = etree.SubElement(parent, _qualified(namespace, name))
    if value is None:
        element.set(NIL, "true")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _XML_INCOMPATIBLE.sub("?", str(value))


def _qualified(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


# --- reading -------------------------------------------------------------------------------


def loads(root: etree._Element) -> dict[str, Any]:
    """A request DTO's members as name -> str / None / list / dict, namespaces ignored."""
    fields: dict[str, Any] = {}
    for member in _element_children(root):
        name = _local(member)
        if name.lower() in INT_LIST_FIELDS and len(member):
            fields[name] = [_scalar(item) for item in _element_children(member)]
        elif name.lower() in DICTIONARY_LIST_FIELDS and len(member):
            fields[name] = [_dictionary(item) for item in _element_children(member)]
        else:
            fields[name] = _value(member)
    return fields


def _value(element: etree._Element) -> Any:
    children = _element_children(element)
    if not children:
        return _scalar(element)
    return {_local(child): _value(child) for child in children}


def _dictionary(element: etree._Element) -> dict[str, Any]:
    """`<KeyValueOfstringstring><Key/><Value/>` pairs, or plain `<Name>value</Name>` members."""
    result: dict[str, Any] = {}
    for child in _element_children(element):
        if _local(child).startswith("KeyValueOf"):
            parts = {_local(part): _scalar(part) for part in _element_children(child)}
            result[parts.get("Key") or ""] = parts.get("Value")
        else:
            result[_local(child)] = _value(child)
    return result


def _scalar(element: etree._Element) -> str | None:
    if element.get(NIL, "").strip().lower() == "true":
        return None
    return (element.text or "").strip()


def _element_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)
