"""ASGI middleware shared by every API: request body size limit and Idempotency-Key handling."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookable.api import errors
from bookable.api.context import CLAIM_KEY, REPLAY_SKIPS, STORED_KEY
from bookable.api.errors import ApiError
from bookable.api.received import headers_of, keep_body
from bookable.storage import idempotency
from bookable.storage.database import Database

MAX_BODY_BYTES = 1_000_000
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


async def _send_error(scope: Scope, send: Send, error: ApiError) -> None:
    response = errors.render(scope["path"], error, Request(scope))
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"The request body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_receive(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


@dataclass
class CapturedResponse:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    sent: bool = False

    async def send_to(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": bytes(self.body)})
        self.sent = True

    def replayable_headers(self) -> list[list[str]]:
        """Headers a replay must repeat (Location, ...); not those the server sets anew each time."""
        return [[n.decode("latin-1"), v.decode("latin-1")] for n, v in self.headers
                if n.decode("latin-1").lower() not in REPLAY_SKIPS]

    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == b"content-type":
                return value.decode("latin-1")
        return "application/octet-stream"


class RequestGuard:
    """Reads every body once, under the size limit; mutating calls with an Idempotency-Key are
    recorded so that a retry replays the first response (DESIGN section 3, "Idempotency")."""

    def __init__(self, app: ASGIApp, database: Database, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.database = database
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = headers_of(scope)
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
            if declared > self.max_body:
                raise ApiError(413, "payload_too_large", f"The request body is larger than {self.max_body} bytes.")
            body = await read_body(scope, receive, self.max_body)
        except ValueError:
            await _send_error(scope, send, ApiError(400, "malformed_body", "Bad Content-Length header."))
            return
        except ApiError as error:
            await _send_error(scope, send, error)
            return
        keep_body(scope, body)
        key = headers.get(b"idempotency-key")
        if key is None or scope["method"] not in MUTATING:
            await self.app(scope, replay_receive(body), send)
            return
        await self._idempotent(scope, send, body, key.decode("latin-1"), headers)

    async def _idempotent(self, scope: Scope, send: Send, body: bytes, key: str, headers: dict[bytes, bytes]) -> None:
        """Claim the key; run the request; and unless its answer was stored with the change it made
        (api.context.RequestContext.write), store it before the first byte is sent, so that a client
        holding its answer always gets the replay."""
        if not 1 <= len(key) <= 200:
            await _send_error(scope, send, ApiError(
                400, "invalid_parameter", "Idempotency-Key must be 1-200 characters.", field="Idempotency-Key"))
            return
        fingerprint = _fingerprint(scope, body)
        claim = await run_in_threadpool(idempotency.claim, self.database, _caller_scope(scope, headers), key,
                                        fingerprint)
        if isinstance(claim, idempotency.Stored):
            await _replay(scope, send, claim)
            return
        if claim is idempotency.Refusal.IN_PROGRESS:
            await _send_error(scope, send, ApiError(
                409, "idempotency_in_progress", "A request with this Idempotency-Key is still in progress."))
            return
        if claim is idempotency.Refusal.MISMATCH:
            await _send_error(scope, send, ApiError(
                422, "idempotency_mismatch", "This Idempotency-Key was used for a different request.",
                field="Idempotency-Key"))
            return
        scope[CLAIM_KEY] = claim
        captured = CapturedResponse()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
                if not message.get("more_body", False):
                    await self._store(scope, claim, captured)
                    await captured.send_to(send)

        try:
            await self.app(scope, replay_receive(body), capture)
        finally:
            if not captured.sent:  # the application failed before it answered: the key may be retried
                await self._store(scope, claim, CapturedResponse())

    async def _store(self, scope: Scope, claim: idempotency.Claim, captured: CapturedResponse) -> None:
        if scope.get(STORED_KEY):
            return
        scope[STORED_KEY] = True
        await run_in_threadpool(idempotency.finish, self.database, claim, captured.status, captured.content_type(),
                                bytes(captured.body), captured.replayable_headers())


def _caller_scope(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """Keys are per caller: the same key from two different credentials never collides. A member's
    login may exist in several tenants, so the tenant they name (native X-Bookable-Tenant) counts."""
    caller = (headers.get(b"authorization", b"") + b"|" + _query_value(scope, b"apikey") + b"|"
              + headers.get(b"x-bookable-tenant", b""))
    return hashlib.sha256(caller).hexdigest()


def _query_value(scope: Scope, name: bytes) -> bytes:
    query: bytes = scope.get("query_string", b"")
    for pair in query.split(b"&"):
        key, _, value = pair.partition(b"=")
        if key == name:
            return value
    return b""


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(part + b"\x00")
    return digest.hexdigest()


async def _replay(scope: Scope, send: Send, stored: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": stored.status,
            "headers": [
                (b"content-type", stored.content_type.encode("latin-1")),
                (b"content-length", str(len(stored.body)).encode()),
                (b"idempotent-replayed", b"true"),
                *[(name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers],
            ],
        }
    )
    await send({"type": "http.response.body", "body": stored.body})
