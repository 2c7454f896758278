"""One log line and the metrics of every HTTP request, with a request id carried end to end.

The request id is the caller's `X-Request-ID` when it is a sane token, else a new one; it is bound
to every log line written while the request runs and returned in the response's `X-Request-ID`.
Routes are labelled by their template (`/api/v1/slots/{slot_id}`), never the raw path, so that
the metrics' label sets stay few; a request no route matched is `unmatched`.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookable.api.api_routes import CHOSEN
from bookable.observability import metrics
from bookable.observability.logs import bind_request_id

TENANT_KEY = "bookable.tenant"
"""Scope key: the slug of the tenant whose credentials the request proved (note_tenant)."""
_SANE_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")
_REPLAYED = (b"idempotent-replayed", b"true")
log = logging.getLogger("bookable.request")


def note_tenant(scope: Scope, slug: str) -> None:
    """Called where a request's credentials are proved: its log line then names the tenant."""
    scope[TENANT_KEY] = slug


class RequestRecorder:
    def __init__(self, app: ASGIApp, channels: dict[int, str], *, log_requests: bool = True) -> None:
        self.app = app
        self.channels = channels
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        bind_request_id(request_id.decode())
        answer: dict[str, Any] = {"status": 500, "replayed": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                answer["status"] = message["status"]
                answer["replayed"] = _REPLAYED in headers
                message["headers"] = [*headers, (b"x-request-id", request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, answer, time.perf_counter() - started)

    def _record(self, scope: Scope, answer: dict[str, Any], seconds: float) -> None:
        route, channel = self._route_of(scope)
        status = answer["status"]
        metrics.request_answered(route, channel, scope["method"], status, seconds)
        if answer["replayed"]:
            metrics.idempotent_replay()
        if self.log_requests and log.isEnabledFor(logging.INFO):
            log.info("request", extra={
                "method": scope["method"], "path": _target(scope), "route": route, "channel": channel,
                "status": status, "duration_ms": round(seconds * 1000, 2), "tenant": _tenant_of(scope),
                "client": _client(scope)})

    def _route_of(self, scope: Scope) -> tuple[str, str]:
        chosen = scope.get(CHOSEN) or scope.get("route")
        if chosen is None:
            return "unmatched", "none"
        return getattr(chosen, "path", "unmatched"), self.channels.get(id(chosen), "server")


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"x-request-id" and _SANE_ID.match(value):
            return bytes(value)
    return b"%s%08x" % (_PROCESS_ID, next(_numbers))


def _new_process() -> None:
    """A new request id is its process's random part and its count of requests: unique without
    asking the kernel for random bytes at every request. A forked child draws its own part."""
    global _PROCESS_ID, _numbers
    _PROCESS_ID, _numbers = os.urandom(12).hex().encode(), itertools.count(1)


_PROCESS_ID, _numbers = b"", itertools.count(1)
_new_process()
os.register_at_fork(after_in_child=_new_process)


def _target(scope: Scope) -> str:
    query: bytes = scope.get("query_string", b"")
    path: str = scope["path"]
    return path + ("?" + query.decode("latin-1") if query else "")


def _tenant_of(scope: Scope) -> str | None:
    tenant: str | None = scope.get(TENANT_KEY) or scope.get("path_params", {}).get("tenant")
    return tenant


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None
