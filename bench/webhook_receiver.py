"""A small real HTTP server that receives webhooks: for the tests and the bench.

It records every request (headers, body, when), and can be told to answer 500 a number of times,
or to take its time before answering."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.requests: list[Received] = []
        self.failures_left = 0
        self.delay_seconds = 0.0
        self.keep = True  # the bench counts only

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/hook"

    def fail_next(self, times: int) -> None:
        with self._lock:
            self.failures_left = times

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
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


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connections

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status = receiver.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def receiving(host: str = "127.0.0.1") -> Iterator[Receiver]:
    """A receiver on a free port of `host`, stopped afterwards."""
    receiver = Receiver()
    server = _Server((host, 0), _handler(receiver))
    receiver.address = server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
