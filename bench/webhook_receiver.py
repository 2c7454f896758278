"""A small real HTTP server that receives webhooks: for the tests and the bench.

It records every request (headers, body, when), and can be told to answer 500 a number of times,
or to take its time before answering (each connection answers its requests in order)."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int


class Receiver:
    def __init__(self) -> None:
        self.address: tuple[Any, ...] = ("127.0.0.1", 0)
        self.scheme = "http"
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.requests: list[Received] = []
        self.failures_left = 0
        self.delay_seconds = 0.0
        self.keep = True  # the bench counts only
        self.answer_body = b"ok"
        self.connections_made = 0
        self._open: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        host, port = self.address
        return f"{self.scheme}://{host}:{port}/hook"

    def fail_next(self, times: int) -> None:
        with self._lock:
            self.failures_left = times

    def drop_connections(self) -> None:
        """Close every open connection from the receiver's side (as a server ending idle keep-alives does)."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._drop(), self._loop).result(10)

    async def _drop(self) -> None:
        for each in list(self._open):
            each.close()

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._arrived:
            status = 200
            if self.failures_left:
                self.failures_left -= 1
                status = 500
            self.requests.append(Received(path, headers, body if self.keep else b"", time.time(), status))
            self._arrived.notify_all()
        return status

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The first `count` requests, once they have arrived (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the receiver got {len(self.requests)} requests, not {count}")
                self._arrived.wait(remaining)
            return list(self.requests)

    def delivered(self) -> list[Received]:
        with self._lock:
            return [request for request in self.requests if request.status == 200]


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, just enough for a webhook sender: a request line, headers, a body of
    Content-Length bytes. Small and on one event loop: a threaded server spent more CPU than the
    server it was measuring."""

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._busy = False

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._busy:
            self._next()

    def _next(self) -> None:
        head, found, rest = self._buffer.partition(b"\r\n\r\n")
        if not found:
            return
        lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length") or 0)
        if len(rest) < length:
            return
        self._buffer = rest[length:]
        path = lines[0].split(" ")[1] if " " in lines[0] else "/"
        self._busy = True
        asyncio.get_running_loop().create_task(self._answer(path, headers, rest[:length]))

    async def _answer(self, path: str, headers: dict[str, str], body: bytes) -> None:
        if self._receiver.delay_seconds:
            await asyncio.sleep(self._receiver.delay_seconds)
        status = self._receiver.answer(path, headers, body)
        if self._transport is not None and not self._transport.is_closing():
            reason = "OK" if status == 200 else "Internal Server Error"
            body = self._receiver.answer_body
            self._transport.write(f"HTTP/1.1 {status} {reason}\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body)
        self._busy = False
        self._next()


@contextmanager
def receiving(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on a free port of `host` (HTTPS with `tls`), on an event loop in a thread of its own;
    stopped afterwards."""
    receiver = Receiver()
    receiver.scheme = "https" if tls else "http"
    loop = asyncio.new_event_loop()
    holder: list[asyncio.Server] = []
    connections = receiver._open
    receiver._loop = loop

    def connection() -> _Connection:
        made = _Connection(receiver)
        connections.add(made)
        receiver.connections_made += 1
        return made

    async def start() -> None:
        server = await loop.create_server(connection, host, 0, ssl=tls)
        receiver.address = server.sockets[0].getsockname()[:2]
        holder.append(server)

    async def stop() -> None:
        """On the receiver's own loop; its connections too, so that no sender waits on a dead one."""
        holder[0].close()
        for each in connections:
            each.close()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield receiver
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
