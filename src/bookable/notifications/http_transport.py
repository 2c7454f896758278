"""A small HTTP/1.1 transport for httpx, on asyncio streams, for webhook POSTs.

httpx's default transport (httpcore on anyio, with h11) cost about 0.5 ms of CPU per request on the
benchmark machine, more than the booking that caused the webhook, and the worker shares the CPU
with the server. This one does what a webhook needs and no more: one request per connection at a
time, kept alive per (scheme, host, port, TLS name), TLS by the standard library with certificate
and host name checks, a response body read to its end (Content-Length, chunked, or up to the close)
and kept only up to MAX_BODY. httpx still builds the request and the response (ADR 0018). Time-outs
are the caller's: the webhook channel bounds a whole try with asyncio.timeout, and a connection
interrupted mid-request is closed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

import httpx

MAX_BODY = 64 * 1024
"""What is kept of a response body (the log shows the status, not the body); the rest is read and dropped."""
MAX_HEAD = 64 * 1024
IDLE_PER_ORIGIN = 8
Origin = tuple[str, str, int, str | None]


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    used: bool = field(default=False)

    def close(self) -> None:
        self.writer.close()


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context or ssl.create_default_context()
        self._idle: dict[Origin, list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        https = request.url.scheme == "https"
        sni = (request.extensions.get("sni_hostname") or request.url.host) if https else None
        origin = (request.url.scheme, request.url.host, request.url.port or (443 if https else 80), sni)
        message = _encoded(request)
        connection = self._idle_connection(origin)
        if connection is not None:
            try:
                return await self._exchange(origin, connection, request, message)
            except _NothingAnswered:
                pass  # the receiver had closed the kept-alive connection: once more on a new one
        try:
            connection = await self._connect(origin)
        except OSError as error:
            raise httpx.ConnectError(f"{type(error).__name__}: {error}", request=request) from None
        try:
            return await self._exchange(origin, connection, request, message)
        except _NothingAnswered:
            raise httpx.RemoteProtocolError("the server closed the connection without answering",
                                            request=request) from None

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.writer.is_closing() and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port, sni = origin
        tls = self._ssl if scheme == "https" else None
        reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname=sni if tls else None,
                                                       limit=MAX_HEAD)
        return _Connection(reader, writer)

    async def _exchange(self, origin: Origin, connection: _Connection, request: httpx.Request,
                        message: bytes) -> httpx.Response:
        reused, connection.used = connection.used, True
        try:
            connection.writer.write(message)
            await connection.writer.drain()
            status, headers, body, keep = await _response(connection.reader, request)
        except _NothingAnswered:
            connection.close()
            if reused:
                raise
            raise httpx.RemoteProtocolError("the server closed the connection without answering",
                                            request=request) from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            connection.close()
            raise httpx.ReadError(f"{type(error).__name__}: {error}", request=request) from None
        except BaseException:  # cancelled mid-request (the time-out): the connection's state is unknown
            connection.close()
            raise
        if keep and len(self._idle.setdefault(origin, [])) < IDLE_PER_ORIGIN:
            self._idle[origin].append(connection)
        else:
            connection.close()
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _NothingAnswered(Exception):
    """The connection ended before a single byte of the answer."""


def _encoded(request: httpx.Request) -> bytes:
    target = request.url.raw_path.decode("ascii")
    lines = [f"{request.method} {target} HTTP/1.1".encode("ascii")]
    lines += [name + b": " + value for name, value in request.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.content


async def _response(reader: asyncio.StreamReader,
                    request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as ended:
            if not ended.partial:
                raise _NothingAnswered from None
            raise
        status_line, *header_lines = head[:-4].split(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        status = int(rest[:3])
        if not version.startswith(b"HTTP/1.") or not 100 <= status <= 599:
            raise ValueError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        if status >= 200:
            break  # 1xx: an interim answer, the real one follows
    headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(b":") for line in header_lines)]
    fields = {name.lower(): value.lower() for name, value in headers}
    keep = version == b"HTTP/1.1" and fields.get(b"connection") != b"close"
    if request.method == "HEAD" or status in (204, 304):
        return status, headers, b"", keep
    if b"chunked" in fields.get(b"transfer-encoding", b""):
        body = await _chunked(reader)
    elif b"content-length" in fields:
        body = await _exactly(reader, int(fields[b"content-length"]))
    else:
        body, keep = (await reader.read(MAX_BODY)), False  # the end of the body is the end of the connection
    return status, _without_framing(headers), body, keep


_FRAMING = (b"transfer-encoding", b"content-encoding", b"content-length")


def _without_framing(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The body handed to httpx is whole and decoded from its framing: headers that describe the
    framing would make httpx try to decode it again."""
    return [(name, value) for name, value in headers if name.lower() not in _FRAMING]


async def _exactly(reader: asyncio.StreamReader, length: int) -> bytes:
    kept = await reader.readexactly(min(length, MAX_BODY))
    remaining = length - len(kept)
    while remaining > 0:
        remaining -= len(await reader.readexactly(min(remaining, 65536)))
    return kept


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    kept = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(kept[:MAX_BODY])
        chunk = await _exactly(reader, size)
        if len(kept) < MAX_BODY:
            kept += chunk
        await reader.readexactly(2)
