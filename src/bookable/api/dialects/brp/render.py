"""One document tree, two renderings: XML (lxml) and JSON (orjson), chosen by the path's suffix.

A document is a root tag and its content: a plain dict of child tags (scalars, nested dicts or
Items); types are checked exactly, for speed.
`Items` is a list of objects with one tag: in XML each row is an element of that tag inside the
list's own element (`<productlabels><productlabel/>...`) or, when inline, directly inside the
parent (`<bookings><start/><booking/>...`); in JSON it is always an array. A row, or a child of a
dict, may also come already rendered (`rendered()`): an Element (XML text), or an orjson Fragment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from starlette.responses import Response

from bookable.domain.localtime import TIMES_REMEMBERED, to_local

XML = "xml"
XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
JSON = "json"


class Element(str):
    """One element already rendered as XML text (`rendered()`): written as it is."""


@dataclass(frozen=True)
class Items:
    tag: str
    rows: Sequence[dict[str, Any] | Element | orjson.Fragment]
    inline: bool = False


Content = dict[str, Any] | Items


def format_of(path: str) -> str:
    return JSON if path.endswith(".json") else XML


_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    """XML text of a value; characters XML 1.0 cannot carry (control characters) are dropped."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    return str(value)


_PLAIN = frozenset("&<>")
"""A printable string without these characters is its own XML text."""
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _write(out: list[str], content: Content) -> None:
    """Append the XML of `content` to `out`. Written as text, not as an element tree: a week's
    timetable is thousands of elements, and building lxml elements cost more than the query. The
    output is byte for byte what lxml would write (tests/unit/test_brp_xml.py checks it)."""
    if isinstance(content, Items):
        for row in content.rows:
            if type(row) is Element:
                out.append(row)
            else:
                _element(out, content.tag, row)
        return
    for key, value in content.items():
        kind = type(value)
        if kind is int or (kind is str and value.isprintable() and _PLAIN.isdisjoint(value)):
            out.append(f"<{key}>{value}</{key}>")
        elif kind is Items and value.inline:
            _write(out, value)
        elif kind is Element:
            out.append(value)
        else:
            _element(out, key, value)


def _element(out: list[str], tag: str, value: Any) -> None:
    kind = type(value)
    if kind is dict or kind is Items:
        out.append(f"<{tag}>")
        opened = len(out)
        _write(out, value)
        if len(out) == opened:
            out[-1] = f"<{tag}/>"
        else:
            out.append(f"</{tag}>")
    elif value is None:
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{_text(value).translate(_ESCAPES)}</{tag}>")


def _items_as_list(value: Any) -> Any:
    if type(value) is Items:
        return value.rows
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def rendered(fmt: str, tag: str, block: dict[str, Any]) -> Element | orjson.Fragment:
    """One Items row or child, rendered ahead, in the document's format: to be remembered and reused."""
    if fmt == JSON:
        return orjson.Fragment(orjson.dumps(block, default=_items_as_list, option=orjson.OPT_PASSTHROUGH_DATACLASS))
    out: list[str] = []
    _element(out, tag, block)
    return Element("".join(out))


class XmlDocument(Response):
    media_type = "text/xml; charset=utf-8"

    def render(self, content: tuple[str, Content] | None) -> bytes:
        if content is None:
            return b""
        tag, body = content
        out = [XML_DECLARATION]
        _element(out, tag, body)
        return "".join(out).encode()


class JsonDocument(Response):
    media_type = "application/json"

    def render(self, content: tuple[str, Content] | None) -> bytes:
        if content is None:
            return b""
        tag, body = content
        return orjson.dumps({tag: body}, default=_items_as_list, option=orjson.OPT_PASSTHROUGH_DATACLASS)


def document_response(fmt: str, tag: str, content: Content, *, status: int = 200) -> Response:
    response_class = JsonDocument if fmt == JSON else XmlDocument
    return response_class((tag, content), status_code=status)


# ------------------------------------------------------------------ BRP value formats

def timepoint(instant: datetime | None, zone: str) -> str | None:
    """Tidpunkt: `yyyy-MM-dd HH:mm` in the tenant's local time."""
    return None if instant is None else _local_minutes(instant, zone)


def local_date(instant: datetime | None, zone: str) -> str | None:
    return None if instant is None else _local_minutes(instant, zone)[:10]


def local_time(instant: datetime | None, zone: str) -> str | None:
    return None if instant is None else _local_minutes(instant, zone)[11:]


def _minutes(local: datetime) -> str:
    """`yyyy-MM-dd HH:mm`: isoformat and a slice cost about half of strftime (a timetable page
    renders four per activity)."""
    return local.isoformat(" ", "minutes")[:16]


@lru_cache(maxsize=TIMES_REMEMBERED)
def _local_minutes(instant: datetime, zone: str) -> str:
    """Remembered: the same instants (a class's start and end, its booking window) are shown by
    every timetable page and booking that includes them."""
    return _minutes(to_local(instant, zone))


def timepoint_block(instant: datetime | None, zone: str) -> dict[str, Any] | None:
    """Spec 002's `<timepoint>`: Unix epoch (UTC) plus the local datetime, date and time."""
    if instant is None:
        return None
    local = _local_minutes(instant, zone)
    return {"timepoint": {"timestamp": int(instant.timestamp()), "datetime": local, "date": local[:10],
                          "time": local[11:]}}


def named(pair: tuple[int, str] | None) -> dict[str, Any] | None:
    """`<businessunit><id/><name/></businessunit>` and the like."""
    return None if pair is None else {"id": pair[0], "name": pair[1]}


def named_items(tag: str, pairs: Sequence[tuple[int, str]]) -> Items:
    """`<productlabels><productlabel><id/><name/></productlabel>...` and the like."""
    return Items(tag, [{"id": pair[0], "name": pair[1]} for pair in pairs])
