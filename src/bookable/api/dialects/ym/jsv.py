"""ServiceStack's JSV text format: JSON-like structure with CSV-style string quoting.

Writing follows ServiceStack.Text's ``JsvTypeSerializer``/``JsWriter``; reading is stricter
about junk than ServiceStack's own reader but also accepts the pretty-printed form shown on
ServiceStack metadata pages (whitespace between tokens, ``Key: Value``).

JSV is typeless: ``loads`` returns dicts, lists, str and None only. ``None`` marks a value
that was present but empty (``{A:}``, ``[x,,y]``); a quoted ``""`` is the empty string.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NoReturn

__all__ = ["MAX_NESTING_DEPTH", "JsvError", "coerce_bool", "coerce_int", "dumps", "loads"]

MAX_NESTING_DEPTH = 64

# JsWriter.EscapeChars: a string holding any of these is written inside double quotes.
_CHARS_FORCING_QUOTES = frozenset('":,{}[]\r\n')
# Trimmed around unquoted tokens when reading, so strings starting or ending with these are
# quoted when writing (ServiceStack itself doesn't, as its reader never trims).
_WHITESPACE = " \t\r\n\f\v"

_UNQUOTED_VALUE = re.compile(r'[^,}\]{\["]*')
_UNQUOTED_KEY = re.compile(r'[^:,{}\[\]"]*')


class JsvError(ValueError):
    """Malformed JSV text or an unparseable scalar."""

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        self.message = message
        self.position = position
        self.line: int | None = None
        self.column: int | None = None
        if position is not None:
            self.line = text.count("\n", 0, position) + 1
            self.column = position - text.rfind("\n", 0, position)
            message = f"{message} at line {self.line}, column {self.column} (char {position})"
        super().__init__(message)


# --- writing -----------------------------------------------------------------------------


def dumps(value: Any) -> str:
    """Serialise dicts, lists/tuples, str, bool, int, Decimal, float, datetime, date, UUID, None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _quote_if_needed(value)
    if isinstance(value, bool):
        return "True" if value else "False"  # .NET TextWriter.Write(bool), as JsvTypeSerializer does
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _format_decimal(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, datetime):
        return _format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex  # Guid.ToString("N")
    if isinstance(value, Mapping):
        return _dump_map(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} to JSV")


def _dump_map(mapping: Mapping[Any, Any]) -> str:
    entries = []
    for key, item in mapping.items():
        if not isinstance(key, str):
            raise TypeError(f"JSV map keys must be str, not {type(key).__name__}")
        if item is not None:
            entries.append(f"{_quote_if_needed(key)}:{dumps(item)}")
    return "{" + ",".join(entries) + "}"


def _quote_if_needed(text: str) -> str:
    if text and not _needs_quotes(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _needs_quotes(text: str) -> bool:
    return text[0] in _WHITESPACE or text[-1] in _WHITESPACE or not _CHARS_FORCING_QUOTES.isdisjoint(text)


def _format_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"JSV has no representation for {value}")
    return format(value, "f")


def _format_float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"JSV has no representation for {value}")
    # Shortest round-trip digits in plain notation: .NET decimal.Parse rejects exponents.
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _format_datetime(moment: datetime) -> str:
    text = moment.replace(tzinfo=None, microsecond=0).isoformat()
    if moment.microsecond:
        text += f".{moment.microsecond:06d}0"  # .NET "fffffff": 7 digits of 100ns ticks
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0):
        return text + "Z"
    return text + _format_utc_offset(offset)


def _format_utc_offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    if seconds or abs(offset).microseconds:
        raise ValueError(f"UTC offset {offset} is not a whole number of minutes")
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# --- reading -----------------------------------------------------------------------------


def loads(text: str) -> Any:
    """Parse JSV into nested dict / list / str / None; empty input gives None."""
    if not isinstance(text, str):
        raise TypeError(f"JSV text must be str, not {type(text).__name__}")
    return _Parser(text).parse_document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.depth = 0

    def parse_document(self) -> Any:
        self.skip_whitespace()
        if self.at_end():
            return None
        value = self.parse_value()
        self.skip_whitespace()
        if not self.at_end():
            self.fail(f"unexpected {self.describe_current()} after the value")
        return value

    def parse_value(self) -> Any:
        self.skip_whitespace()
        current = self.peek()
        if current == "{":
            return self.parse_map()
        if current == "[":
            return self.parse_list()
        if current == '"':
            return self.parse_quoted()
        return self.parse_unquoted(_UNQUOTED_VALUE) or None

    def parse_map(self) -> dict[str, Any]:
        self.enter_container()
        result: dict[str, Any] = {}
        self.skip_whitespace()
        while self.peek() != "}":
            if result:
                self.expect(",", "',' or '}' after map value")
            key = self.parse_key()
            self.skip_whitespace()
            self.expect(":", "':' after map key")
            result[key] = self.parse_value()
            self.skip_whitespace()
        self.leave_container()
        return result

    def parse_list(self) -> list[Any]:
        self.enter_container()
        result: list[Any] = []
        self.skip_whitespace()
        if self.peek() == "]":
            self.leave_container()
            return result
        while True:
            result.append(self.parse_value())
            self.skip_whitespace()
            if self.peek() == "]":
                self.leave_container()
                return result
            self.expect(",", "',' or ']' after list item")

    def parse_key(self) -> str:
        self.skip_whitespace()
        if self.peek() == '"':
            return self.parse_quoted()
        start = self.position
        key = self.parse_unquoted(_UNQUOTED_KEY)
        if not key:
            self.position = start
            self.fail(f"expected a map key, found {self.describe_current()}")
        return key

    def parse_quoted(self) -> str:
        opening_quote = self.position
        pieces = []
        cursor = opening_quote + 1
        while True:
            closing = self.text.find('"', cursor)
            if closing < 0:
                self.position = opening_quote
                self.fail("unterminated quoted string")
            pieces.append(self.text[cursor:closing])
            if self.text.startswith('""', closing):
                pieces.append('"')
                cursor = closing + 2
                continue
            self.position = closing + 1
            return "".join(pieces)

    def parse_unquoted(self, token: re.Pattern[str]) -> str:
        match = token.match(self.text, self.position)
        assert match is not None  # the patterns match the empty string
        self.position = match.end()
        if self.peek() in ("{", "[", '"'):
            self.fail(f"unexpected {self.describe_current()} inside an unquoted value")
        return match.group().strip(_WHITESPACE)

    def enter_container(self) -> None:
        if self.depth >= MAX_NESTING_DEPTH:
            self.fail(f"nesting deeper than {MAX_NESTING_DEPTH} levels")
        self.depth += 1
        self.position += 1

    def leave_container(self) -> None:
        self.depth -= 1
        self.position += 1

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            self.fail(f"expected {what}, found {self.describe_current()}")
        self.position += 1

    def skip_whitespace(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
            self.position += 1

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def at_end(self) -> bool:
        return self.position >= len(self.text)

    def describe_current(self) -> str:
        return repr(self.peek()) if not self.at_end() else "end of input"

    def fail(self, message: str) -> NoReturn:
        raise JsvError(message, self.text, self.position)


# --- scalar coercion -----------------------------------------------------------------------

_TRUE_TEXTS = frozenset({"true", "1", "on"})
_FALSE_TEXTS = frozenset({"false", "0"})
_INTEGER = re.compile(r"[+-]?[0-9]+")


def coerce_bool(value: str | None) -> bool:
    """``True``/``False`` in any case (ServiceStack writes ``True``), ``1``/``0``, or ``on``."""
    normalised = (value or "").strip(_WHITESPACE).lower()
    if normalised in _TRUE_TEXTS:
        return True
    if normalised in _FALSE_TEXTS:
        return False
    raise JsvError(f"not a boolean: {value!r}")


def coerce_int(value: str | None) -> int:
    """A plain base-10 integer (no underscores, no decimal point)."""
    normalised = (value or "").strip(_WHITESPACE)
    if not _INTEGER.fullmatch(normalised):
        raise JsvError(f"not an integer: {value!r}")
    try:
        return int(normalised)
    except ValueError as too_many_digits:
        raise JsvError(f"integer too long: {value!r:.40}") from too_many_digits
