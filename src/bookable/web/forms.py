"""Reading a posted form: its CSRF token checked against the session, its one-time token and its
numbers read strictly. Anything malformed is refused before the engine is asked anything."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from bookable.web.session import Session

ONE_TIME_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_FIELDS = 30
MAX_ID = 2**31 - 1


class BadForm(Exception):
    """The form is forged, expired or malformed: nothing is done."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def one_time_token() -> str:
    """The hidden token of one rendered form: its post is done once, however often it is sent."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Posted:
    fields: Mapping[str, str]

    def text(self, name: str, limit: int = 200) -> str:
        value = self.fields.get(name)
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            return ""
        return value

    def bounded(self, name: str, limit: int) -> str:
        """The text, refused (BadForm) when longer than `limit`: never cut short or dropped unseen."""
        value = self.fields.get(name, "")
        if len(value) > limit or "\x00" in value:
            raise BadForm("invalid_parameter")
        return value

    def number(self, name: str, *, required: bool = True) -> int | None:
        text = self.text(name, 12)
        if not text and not required:
            return None
        if not text.isdigit() or not 0 < int(text) <= MAX_ID:
            raise BadForm("invalid_parameter")
        return int(text)

    def one_time_token(self) -> str:
        token = self.text("token", 64)
        if not ONE_TIME_TOKEN.match(token):
            raise BadForm("invalid_parameter")
        return token


async def _fields(request: Request, max_fields: int) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise BadForm("invalid_parameter")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), max_num_fields=max_fields, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise BadForm("invalid_parameter") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)  # the first of a repeated field, as a browser sends one
    return fields


def same_origin(request: Request) -> bool:
    """A browser names the page a form came from in Origin: it must be this site (when it says)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def posted(request: Request, session: Session, max_fields: int = MAX_FIELDS) -> Posted:
    """The form, once its CSRF token matches the session's and it comes from this site. Every form
    of these pages is application/x-www-form-urlencoded; anything else is refused."""
    form = Posted(await _fields(request, max_fields))
    if not same_origin(request) or not session.csrf_matches(form.text("csrf", 100)):
        raise BadForm("form_expired")
    return form
