"""What a request sent, read once: its headers by name, and its body as RequestGuard read it.

Starlette's `request.headers.get()` wraps the raw header list and scans it, decoding as it goes,
at every call; a booking asks for four headers. Here they become one dict, kept in
the request's scope, the first time any is asked for. As in Starlette, a header sent twice reads
as its first value.

Every body is read whole by api.middleware.RequestGuard, under the size limit, and replayed to the
application; `body_of` gives that same body without reading it through Starlette's stream again
(an async generator per request), and leaves the replay for any later reader.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

HEADERS_KEY = "bookable.headers"
BODY_KEY = "bookable.body"


def headers_of(scope: Scope) -> dict[bytes, bytes]:
    """Lower-case names (as the ASGI server gives them) to raw values."""
    found: dict[bytes, bytes] | None = scope.get(HEADERS_KEY)
    if found is None:
        found = {}
        for name, value in scope["headers"]:
            found.setdefault(name.lower(), value)
        scope[HEADERS_KEY] = found
    return found


def header(scope: Scope, name: bytes) -> str | None:
    """One header's value (latin-1, as Starlette decodes it), or None; `name` in lower case."""
    value = headers_of(scope).get(name)
    return None if value is None else value.decode("latin-1")


def keep_body(scope: Scope, body: bytes) -> None:
    scope[BODY_KEY] = body


async def body_of(request: Request) -> bytes:
    kept: bytes | None = request.scope.get(BODY_KEY)
    return kept if kept is not None else await request.body()
