"""XML in and out. Requests are parsed with a hardened lxml parser: no DTD, no entities, no network,
no huge trees. A document that carries a DOCTYPE is refused outright."""

from __future__ import annotations

from typing import Any

from lxml import etree
from starlette.responses import Response

from bookable.api.errors import ApiError


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes) -> etree._Element:
    """The root element of a request body, or a 400 ApiError (never an lxml exception)."""
    if not body.strip():
        raise ApiError(400, "malformed_body", "The request body is empty; an XML document is required.")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise ApiError(400, "malformed_body", "XML with a DOCTYPE or entity declarations is not accepted.")
    try:
        root = etree.fromstring(body, parser=_safe_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ApiError(400, "malformed_body", f"The XML is not well-formed: {_first_line(error)}") from None
    if root.getroottree().docinfo.doctype:
        raise ApiError(400, "malformed_body", "XML with a DOCTYPE is not accepted.")
    return root


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else "parse error"


def child_text(element: etree._Element, tag: str) -> str | None:
    """Text of the first child called `tag` (None if absent, "" if empty)."""
    child = element.find(tag)
    if child is None:
        return None
    return (child.text or "").strip()


def sub(parent: etree._Element, tag: str, value: Any = None, **attributes: Any) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    if value is not None:
        element.text = _text(value)
    return element


def element(tag: str, value: Any = None, **attributes: Any) -> etree._Element:
    node = etree.Element(tag, {k: str(v) for k, v in attributes.items()})
    if value is not None:
        node.text = _text(value)
    return node


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class XmlResponse(Response):
    """Renders an lxml element (or ready bytes) as a UTF-8 XML document."""

    media_type = "text/xml; charset=utf-8"

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        rendered: bytes = etree.tostring(content, xml_declaration=True, encoding="UTF-8")
        return rendered
