"""uvicorn's httptools protocol, with a response's writes sent to the socket as one.

uvicorn writes a response's head when the app sends `http.response.start` and its body when the
app sends `http.response.body`: two `send()` system calls and two TCP segments for every small
answer, each of which costs the server and the client a round through the kernel's network stack
(on a small host some 10-20 us of CPU a side). Here the writes made in one turn of the event loop
wait for the end of that turn and go as one: an app sends head and body back to back, so a
small response leaves in one segment. Nothing waits longer than the turn it was written in, a
large body goes at once (WRITE_AT_ONCE), and closing the connection sends what waits first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

WRITE_AT_ONCE = 64 * 1024
"""Bytes waiting beyond which they are sent without waiting for the end of the turn."""


class CoalescedWrites:
    """A transport whose writes within one turn of the event loop reach the socket as one write.
    Everything else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._waiting: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._waiting:
            self._loop.call_soon(self.flush)
        self._waiting.append(data)
        self._size += len(data)
        if self._size >= WRITE_AT_ONCE:
            self.flush()

    def flush(self) -> None:
        if not self._waiting:
            return
        data = self._waiting[0] if len(self._waiting) == 1 else b"".join(self._waiting)
        self._waiting.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._waiting.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """What `bookable serve` hands uvicorn as its HTTP protocol (Config(http=...))."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescedWrites(transport, self.loop))  # type: ignore[arg-type]
