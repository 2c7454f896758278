"""No secret in a log line: API keys in query strings and headers, passwords, database URLs.

Applied to every value of every line (bookable's own and uvicorn's), so a secret that reaches a
log by some unforeseen path (an exception's text, a debug line) is blanked there too."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"
SECRET_NAMES = ("apikey", "api_key", "password", "passwd", "pwd", "secret", "token", "access_token", "authorization")
_SECRET_KEYS = frozenset(SECRET_NAMES)
_PATTERNS = (
    # an Authorization header's whole value, scheme and credentials: authorization: Basic ...
    (r"\b(authorization[\"']?\s*[:=]\s*[\"']?)[^\"',;&\n]+", rf"\1{REDACTED}"),
    # a secret query or form parameter: apikey=..., password=...
    (r"\b(" + "|".join(SECRET_NAMES) + r")=[^&\s\"',;]*", rf"\1={REDACTED}"),
    # credentials in a header's value: Authorization: Basic ..., Bearer ...
    (r"\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]+", rf"\1 {REDACTED}"),
    # the password of a URL: postgresql://user:password@host
    (r"(://[^:/@\s]*:)[^@\s/]+@", rf"\1{REDACTED}@"),
    # bookable's own API keys, wherever they appear
    (r"\bbk_[A-Za-z0-9_.-]{4,}", f"bk_{REDACTED}"),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in _PATTERNS)
_ANY = re.compile("|".join(f"(?:{pattern})" for pattern, _ in _PATTERNS), re.IGNORECASE)
"""One search tells whether any pattern may apply: most values (a route, a status) hold no secret."""


def redact(text: str) -> str:
    if not _ANY.search(text):
        return text
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def redact_secrets(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: values of secret-named keys blanked, every other text scrubbed."""
    for key, value in event.items():
        if key.lower() in _SECRET_KEYS:
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redact(value)
    return event
