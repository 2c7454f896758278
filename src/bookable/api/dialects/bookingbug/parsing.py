"""BookingBug request bodies and parameters -> typed values named after OfferingSpec fields.

Only syntax is checked here (an integer is an integer, a date is YYYY-MM-DD); ranges and rules
are the engine's. Unknown elements are refused, so a typo never passes silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from lxml import etree

from bookable.api.errors import ApiError
from bookable.api.ids import MAX_ID
from bookable.domain.errors import ValidationError
from bookable.domain.localtime import parse_date, parse_time
from bookable.domain.money import parse_price
from bookable.domain.offering import Kind, parse_kind, parse_repeat

_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
_ID = re.compile(r"[0-9]{1,10}")
TRUE, FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
TYPE_ELEMENTS = ("type", "session_type")
READ_ONLY_SLOT_ELEMENTS = frozenset({"spaces_booked", "spaces_reserved"})


def parse_integer(text: str, field: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise ValidationError(f"{field} must be a whole number, got {text!r}.", field=field)
    return int(text)


def parse_boolean(text: str, field: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValidationError(f"{field} must be true, false, 1 or 0, got {text!r}.", field=field)


def _optional(parse: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
    """An empty element means "none" (no price, no booking horizon, no end date)."""
    return lambda text, field: None if text == "" else parse(text, field)


def _text(text: str, field: str) -> str:
    return text


SESSION_FIELDS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "name": ("name", _text),
    "group": ("group", _text),
    "description": ("description", _text),
    "start_date": ("start_date", parse_date),
    "end_date": ("end_date", _optional(parse_date)),
    "time": ("start_time", parse_time),
    "duration": ("duration", parse_integer),
    "spaces": ("spaces", parse_integer),
    "price": ("price", _optional(lambda text, field: parse_price(text, field))),
    "max_num_bookings": ("max_num_bookings", parse_integer),
    "repeat": ("repeat", lambda text, field: parse_repeat(text)),
    "disabled": ("disabled", parse_boolean),
    "min_cancel": ("min_cancel", parse_integer),
    "max_advance": ("max_advance", _optional(parse_integer)),
    "ask_address": ("ask_address", parse_boolean),
    "ticket_type": ("ticket_type", parse_integer),
}


@dataclass(frozen=True)
class SlotInput:
    """One slot as sent: a slot without time or duration takes the session's."""

    date: date | None
    time: time | None
    duration: int | None


@dataclass(frozen=True)
class SessionInput:
    values: dict[str, Any]
    """Parsed values keyed by OfferingSpec field name (only the elements that were sent)."""
    kind: Kind | None
    slots: tuple[SlotInput, ...] | None
    """None when no <slots> element was sent."""


def parse_id(text: str) -> int | None:
    """A path id, or None when it cannot name anything (so the caller answers 404)."""
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


def parse_kind_text(text: str, field: str = "type") -> Kind:
    try:
        return parse_kind(text)
    except ValidationError as error:
        raise ValidationError(error.message, field=field) from None


def parse_session(root: etree._Element) -> SessionInput:
    _expect_root(root, "session")
    values: dict[str, Any] = {}
    kinds: list[Kind] = []
    slots: tuple[SlotInput, ...] | None = None
    for child in _children(root):
        tag = child.tag
        if tag in SESSION_FIELDS:
            name, parse = SESSION_FIELDS[tag]
            values[name] = parse(_plain_text(child), tag)
        elif tag in TYPE_ELEMENTS:
            kinds.append(parse_kind_text(_plain_text(child), tag))
        elif tag == "slots":
            slots = _parse_slots(child)
        else:
            raise _unknown(tag, "session")
    return SessionInput(values, agreeing_kind(kinds), slots)


def parse_slot(root: etree._Element) -> SlotInput:
    _expect_root(root, "slot")
    return _slot_of(root, require_date=False, prefix="")


def agreeing_kind(kinds: list[Kind]) -> Kind | None:
    if len(set(kinds)) > 1:
        raise ValidationError("type and session_type disagree.", field="type")
    return kinds[0] if kinds else None


def _parse_slots(element: etree._Element) -> tuple[SlotInput, ...]:
    slots = []
    for child in _children(element):
        if child.tag != "slot":
            raise _unknown(child.tag, "slots")
        slots.append(_slot_of(child, require_date=True, prefix="slot."))
    if not slots:
        raise ValidationError("slots must hold at least one <slot>.", field="slots")
    return tuple(slots)


def _slot_of(element: etree._Element, *, require_date: bool, prefix: str) -> SlotInput:
    parsed: dict[str, Any] = {}
    parsers: dict[str, Callable[[str, str], Any]] = {"date": parse_date, "time": parse_time, "duration": parse_integer}
    for child in _children(element):
        if child.tag in parsers:
            parsed[child.tag] = parsers[child.tag](_plain_text(child), f"{prefix}{child.tag}")
        elif child.tag not in READ_ONLY_SLOT_ELEMENTS:
            raise _unknown(child.tag, "slot")
    if require_date and "date" not in parsed:
        raise ValidationError("every slot needs a <date>.", field=f"{prefix}date")
    return SlotInput(parsed.get("date"), parsed.get("time"), parsed.get("duration"))


def _expect_root(root: etree._Element, tag: str) -> None:
    if root.tag != tag:
        raise ApiError(400, "malformed_body", f"The document's root element must be <{tag}>, not <{root.tag}>.")


def _children(element: etree._Element) -> list[etree._Element]:
    """Child elements, refusing the same element twice (which value would win?)."""
    children = [child for child in element if isinstance(child.tag, str)]
    seen: set[str] = set()
    for child in children:
        if child.tag in seen and child.tag != "slot":
            raise ValidationError(f"<{child.tag}> is given more than once.", field=str(child.tag))
        seen.add(str(child.tag))
    return children


def _plain_text(element: etree._Element) -> str:
    if any(isinstance(child.tag, str) for child in element):
        raise ValidationError(f"<{element.tag}> must hold plain text.", field=str(element.tag))
    return (element.text or "").strip()


def _unknown(tag: object, parent: str) -> ValidationError:
    return ValidationError(f"Unknown element <{tag}> in <{parent}>.", field=str(tag))
