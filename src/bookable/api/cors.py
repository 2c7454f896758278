"""CORS on the BRP paths, with each tenant's own allowed origins (`tenants.cors_origins`, set with
services.tenants.cors_origins): a gym's web site may call `/{tenant}/api/ver2/...` from
browser JavaScript. See docs/dialects/brp.md.

- A listed origin gets `Access-Control-Allow-Origin: <origin>` with credentials allowed, so the
  page may send a member's HTTP Basic login.
- `*` in the list lets any page read the tenant's BRP answers, without credentials and without an
  Authorization header: a public timetable.
- Preflights (OPTIONS with Access-Control-Request-Method) are answered here: 204 for an allowed
  origin, 403 in BRP's envelope otherwise.

A request without an Origin header, or on any other path, passes straight through: one lookup in
the header dict the request already has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookable.api import errors
from bookable.api.auth import Remembered
from bookable.api.errors import ApiError
from bookable.api.execution import run_read
from bookable.api.received import headers_of
from bookable.services.tenants import ANY_ORIGIN
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

BRP_PATH = re.compile(r"^/([^/]+)/api/ver2/")
METHODS = b"GET, POST, DELETE, OPTIONS"
HEADERS = ("accept", "accept-language", "apikey", "content-type", "idempotency-key")
CREDENTIAL_HEADERS = ("authorization",)
EXPOSED = b"Retry-After, Idempotent-Replayed, X-Bookable-Next-Fromdate"
MAX_AGE = b"600"


@dataclass(frozen=True)
class Grant:
    origin: bytes
    credentials: bool

    def headers(self) -> list[tuple[bytes, bytes]]:
        granted = [(b"access-control-allow-origin", self.origin), (b"access-control-expose-headers", EXPOSED)]
        return granted + ([(b"access-control-allow-credentials", b"true")] if self.credentials else [])

    def allowed_headers(self) -> bytes:
        return ", ".join(HEADERS + (CREDENTIAL_HEADERS if self.credentials else ())).encode()


def grant_for(origin: bytes, allowed: tuple[str, ...]) -> Grant | None:
    text = origin.decode("latin-1").lower()
    if text in allowed:
        return Grant(origin, credentials=True)
    return Grant(b"*", credentials=False) if ANY_ORIGIN in allowed else None


class BrpCors:
    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database
        self.origins: Remembered[str, tuple[str, ...]] = Remembered()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = headers_of(scope).get(b"origin") if scope["type"] == "http" else None
        tenant = BRP_PATH.match(scope["path"]) if origin is not None else None
        if tenant is None:
            await self.app(scope, receive, send)
            return
        assert origin is not None
        grant = grant_for(origin, await self._allowed(tenant[1]))
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers_of(scope):
            await _preflight(scope, send, grant)
            return
        await self.app(scope, receive, _with_headers(send, grant.headers() if grant else []))

    async def _allowed(self, slug: str) -> tuple[str, ...]:
        known = self.origins.get(slug)
        if known is None:
            known = await run_read(self.database, self._read, slug)
            self.origins.put(slug, known)
        return known

    def _read(self, slug: str) -> tuple[str, ...]:
        with UnitOfWork(self.database, 0, write=False) as uow:
            tenant = uow.tenants.by_slug(slug)
            return tuple(tenant.cors_origins or ()) if tenant is not None else ()


async def _preflight(scope: Scope, send: Send, grant: Grant | None) -> None:
    if grant is None:
        refused = errors.render(scope["path"], ApiError(403, "forbidden", "This origin may not call this API."),
                                Request(scope))
        refused.headers["Vary"] = "Origin"
        await refused(scope, _no_body, send)
        return
    headers = [*grant.headers(), (b"access-control-allow-methods", METHODS),
               (b"access-control-allow-headers", grant.allowed_headers()), (b"access-control-max-age", MAX_AGE),
               (b"vary", b"Origin")]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra, (b"vary", b"Origin")]}
        await send(message)

    return sending


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
