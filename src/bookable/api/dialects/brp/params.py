"""BRP request parameters: names read in any case, strict formats for the ones an endpoint knows.

Parameters come from the query string and from a form-encoded body (the BRP POST style). `apikey` and `lang`
are accepted on every call. A name the endpoint does not declare is ignored, as the vendor's servers
evidently do (jQuery's cache-buster `_=...`); a declared one must be in its format, else the call
fails with code 1001 (debug `field=<name>`). The spec writes `businessUnit=4,334` in its own examples
while saying names are lower case: a name is read as its lower-case spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from bookable.api.dialects.brp.errors import LANGUAGES, invalid, missing
from bookable.api.errors import ApiError
from bookable.api.ids import MAX_ID
from bookable.api.received import body_of, header
from bookable.domain.errors import ValidationError
from bookable.domain.localtime import parse_date

COMMON = ("apikey", "lang")
MAX_IDS = 500
_ID = re.compile(r"[1-9][0-9]{0,9}")
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class RawParams:
    values: Mapping[str, str]
    apikey: str | None
    lang: str


async def raw_params(request: Request) -> RawParams:
    """FastAPI dependency: every parameter of the call, once each, from the query and a form body."""
    query = request.scope.get("query_string", b"").decode("latin-1")  # as Starlette reads it, without its QueryParams
    pairs = form_pairs(query)
    pairs += _form_pairs(await body_of(request), header(request.scope, b"content-type") or "")
    values: dict[str, str] = {}
    for given, value in pairs:
        name = given.lower()
        if name in values:
            raise invalid(name, f"{name} is given more than once.")
        values[name] = value
    lang = values.get("lang", "sv")
    if lang not in LANGUAGES:
        raise invalid("lang", "lang must be sv or en.")
    request.state.brp_lang = lang
    apikey = values.get("apikey") or header(request.scope, b"apikey")
    return RawParams(values, apikey, lang)


def _form_pairs(body: bytes, content_type: str) -> list[tuple[str, str]]:
    if not body.strip():
        return []
    if content_type.split(";")[0].strip().lower() != FORM:
        raise ApiError(415, "unsupported_media_type", f"Send parameters in the query string or as {FORM}.")
    try:
        return form_pairs(body.decode("utf-8"), strict=True)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "malformed_body", "The form body is not valid UTF-8 form encoding.") from None


def form_pairs(text: str, *, strict: bool = False) -> list[tuple[str, str]]:
    """parse_qsl(text, keep_blank_values=True, strict_parsing=strict), answered without it when
    nothing in the text is escaped: a BRP booking parses two such texts (ADR 0013 says why it matters)."""
    parts = text.split("&")
    if "%" in text or "+" in text or (strict and not all("=" in part for part in parts)):
        return parse_qsl(text, keep_blank_values=True, strict_parsing=strict)
    return [(name, value) for name, _, value in (part.partition("=") for part in parts if part)]


Parser = Callable[[str, str], Any]


@dataclass(frozen=True)
class Param:
    parse: Parser
    required: bool = False


def read(raw: RawParams, declared: Mapping[str, Param]) -> dict[str, Any]:
    """The declared parameters, parsed; bad formats and missing required ones refused, others ignored."""
    parsed: dict[str, Any] = {}
    for name, param in declared.items():
        text = raw.values.get(name)
        if text is None:
            if param.required:
                raise missing(name)
            continue
        parsed[name] = param.parse(text, name)
    return parsed


# ------------------------------------------------------------------ formats

def a_date(text: str, name: str) -> date:
    try:
        return parse_date(text, name)
    except ValidationError as error:
        raise invalid(name, error.message) from None


def a_boolean(text: str, name: str) -> bool:
    if text == "true":
        return True
    if text == "false":
        return False
    raise invalid(name, f"{name} must be true or false.")


def an_id(text: str, name: str) -> int:
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise invalid(name, f"{name} must be an id (a positive integer).")
    return int(text)


def id_list(text: str, name: str) -> tuple[int, ...]:
    parts = text.split(",")
    if len(parts) > MAX_IDS:
        raise invalid(name, f"{name} holds more than {MAX_IDS} ids.")
    return tuple(dict.fromkeys(an_id(part, name) for part in parts))


def one_of(*allowed: str) -> Parser:
    def parse(text: str, name: str) -> str:
        if text not in allowed:
            raise invalid(name, f"{name} must be one of {', '.join(allowed)}.")
        return text

    return parse
