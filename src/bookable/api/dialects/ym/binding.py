"""Turn a YM request (path, query string, body in JSON / XML / JSV / form) into typed values.

ServiceStack binds the body first, then the query string over it (names case-insensitive);
route values are checked against what the body says. Every value that has the wrong type is
reported, each naming its field, as ServiceStack's request binding does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson

from bookable.api.dialects.ym import datacontract, jsv
from bookable.api.dialects.ym.formats import Format, media_format
from bookable.api.errors import ApiError
from bookable.api.xml import parse_xml

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
SESSION_ID_KEYS = ("sessionid", "id")
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
RESERVED_QUERY_NAMES = frozenset({"format"})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WCF_DATE = re.compile(r"\\?/Date\(-?\d+([+-]\d{4})?\)\\?/")

T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "SerializationException"


class BindingError(Exception):
    """One or more values could not be read as their declared type."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


class _Invalid(ValueError):
    pass


@dataclass(frozen=True)
class RegistrationSessionRequest:
    """The members of ServiceStack's RegistrationSessionRequest that mean something here."""

    client_id: int | None = None
    event_id: int | None = None
    registration_id: str | None = None
    badge_number: int | None = None
    session_ids: list[int] = field(default_factory=list)
    sessions_named_as: str = "SessionIds"


# --- reading the raw members ------------------------------------------------------------------


def body_fields(body: bytes, content_type: str | None, fallback: Format) -> dict[str, Any]:
    """The body's top-level members; an empty body has none."""
    if not body.strip():
        return {}
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == FORM_MEDIA_TYPE:
        return _flat_fields(parse_qsl(_text(body), keep_blank_values=True))
    fmt = media_format(media) if media else fallback
    if fmt is None:
        raise ApiError(415, "unsupported_media_type",
                       f"Content-Type {media!r} is not supported: send application/json, application/xml, "
                       "text/xml or text/jsv.")
    if fmt is Format.XML:
        return datacontract.loads(parse_xml(body))
    members = _json_members(body) if fmt is Format.JSON else _jsv_members(body)
    if not isinstance(members, dict):
        raise ApiError(400, "malformed_body", f"The {fmt.value.upper()} body must be an object of named members.")
    return members


def query_fields(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return _flat_fields([(name, value) for name, value in pairs if name.lower() not in RESERVED_QUERY_NAMES])


def _flat_fields(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Query-string style members; a repeated name joins its values as one JSV list."""
    collected: dict[str, list[str]] = {}
    for name, value in pairs:
        collected.setdefault(name, []).append(value)
    return {name: ",".join(values) for name, values in collected.items()}


def _json_members(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, "malformed_body", f"The JSON body is not valid: {error}.") from None


def _jsv_members(body: bytes) -> Any:
    try:
        return jsv.loads(_text(body))
    except jsv.JsvError as error:
        raise ApiError(400, "malformed_body", f"The JSV body is not valid: {error}.") from None


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_body", "The body is not valid UTF-8.") from None


# --- typed binding ---------------------------------------------------------------------------


def bind(path: Mapping[str, str], body: Mapping[str, Any], query: Mapping[str, Any]) -> RegistrationSessionRequest:
    members = {name.lower(): value for name, value in body.items()}
    members.update({name.lower(): value for name, value in query.items()})
    errors: list[FieldError] = []

    def read(name: str, convert: Callable[[Any], T], source: Mapping[str, Any] = members) -> T | None:
        if name.lower() not in source:
            return None
        try:
            return convert(source[name.lower()])
        except _Invalid as invalid:
            errors.append(FieldError(name, str(invalid) or _invalid_value(source[name.lower()], name)))
            return None

    route = {name.lower(): value for name, value in path.items()}
    client_id, event_id = read("ClientID", _int32, route), read("EventID", _int32, route)
    _check_matches_route(errors, "ClientID", client_id, read("ClientID", _optional_id))
    _check_matches_route(errors, "EventID", event_id, read("EventID", _optional_id))
    registration_id = read("RegistrationID", _optional_text)
    badge_number = read("BadgeNumber", _optional_id)
    session_ids = (read("SessionIds", _int_list) or []) + (read("Sessions", _sessions_list) or [])
    read("BypassCache", _optional_bool)
    read("DateCached", _optional_datetime)
    read("Device", _optional_text)
    if errors:
        raise BindingError(errors)
    named_as = "Sessions" if "sessions" in members and "sessionids" not in members else "SessionIds"
    return RegistrationSessionRequest(client_id, event_id, registration_id, badge_number, session_ids, named_as)


def _check_matches_route(errors: list[FieldError], name: str, route_value: int | None, body_value: int | None) -> None:
    if route_value is not None and body_value is not None and body_value != route_value:
        errors.append(FieldError(name, f"{name} {body_value} in the request does not match {route_value} in the URL.",
                                 code="ArgumentException"))


def _invalid_value(value: Any, name: str) -> str:
    shown = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    return f"'{_CONTROL_CHARACTERS.sub('?', shown[:100])}' is an Invalid value for '{name}'"


def _int32(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid()
    if isinstance(value, str):
        try:
            value = jsv.coerce_int(value)
        except jsv.JsvError:
            raise _Invalid() from None
    if not isinstance(value, int) or not INT32_MIN <= value <= INT32_MAX:
        raise _Invalid()
    return value


def _optional_id(value: Any) -> int | None:
    """.NET writes 0 for an unset int, as the metadata samples show: 0 and null mean "not given"."""
    if value is None or value == "":
        return None
    return _int32(value) or None


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or "\x00" in value:  # no database text column can hold NUL
        raise _Invalid()
    return value.strip() or None


def _optional_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    try:
        return jsv.coerce_bool(value if isinstance(value, str) else None)
    except jsv.JsvError:
        raise _Invalid() from None


def _optional_datetime(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Invalid()
    if _WCF_DATE.fullmatch(value.strip()):
        return value
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Invalid() from None
    return value


def _as_list(value: Any) -> list[Any]:
    """A list member: a real list, JSV / query text (`[1,2]` or `1,2`), or a single item."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            parsed = jsv.loads(text if text.startswith("[") else f"[{text}]")
        except jsv.JsvError:
            raise _Invalid() from None
        return parsed if isinstance(parsed, list) else [parsed]
    return [value]


def _int_list(value: Any) -> list[int]:
    return [_list_item(item, "SessionIds") for item in _as_list(value)]


def _list_item(item: Any, name: str) -> int:
    try:
        return _int32(item)
    except _Invalid:
        raise _Invalid(_invalid_value(item, name)) from None


def _sessions_list(value: Any) -> list[int]:
    return [_session_id(entry) for entry in _as_list(value)]


def _session_id(entry: Any) -> int:
    if not isinstance(entry, dict):
        raise _Invalid()
    keyed = {str(key).strip().lower(): item for key, item in entry.items()}
    for key in SESSION_ID_KEYS:
        if key in keyed:
            return _list_item(keyed[key], "Sessions")
    raise _Invalid(f"{_invalid_value(entry, 'Sessions')}: each entry needs a SessionId key, e.g. {{SessionId: 12}}")
