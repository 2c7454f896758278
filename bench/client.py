"""An HTTP/1.1 keep-alive load client on raw asyncio streams (uvloop when installed).

`concurrency` connections each send one request at a time; request k is the template formatted
with variant k (cycling through the variants when `cycle`, else stopping when they run out). A phase
ends after `duration` seconds or `max_requests` requests, whichever comes first, and never later
than HARD_LIMIT_SECONDS. Phases of one `group` are slices of one measurement: each goes on through
the variants from where the one before stopped, and their tallies merge into one (bench.loadgen).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

HARD_LIMIT_SECONDS = 180.0
"""No phase runs longer than this, whatever its request count: the load always stops by itself."""


@dataclass(frozen=True)
class Template:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def render(self, host: str, variant: dict[str, Any]) -> bytes:
        body = self.body.format_map(variant).encode() if self.body is not None else b""
        lines = [f"{self.method} {self.path.format_map(variant)} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value.format_map(variant)}" for name, value in self.headers.items()]
        if self.body is not None or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True)
class Phase:
    template: Template
    variants: list[dict[str, Any]]
    concurrency: int
    duration: float | None = None
    max_requests: int | None = None
    cycle: bool = False
    group: str | None = None


@dataclass
class Tally:
    latencies_ns: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    samples: dict[int, str] = field(default_factory=dict)
    transport_errors: int = 0
    elapsed: float = 0.0

    def add(self, other: Tally) -> None:
        """Adds a later phase's tally: latencies pooled, counts and times summed, first sample bodies kept."""
        self.latencies_ns += other.latencies_ns
        self.statuses.update(other.statuses)
        for status, body in other.samples.items():
            self.samples.setdefault(status, body)
        self.transport_errors += other.transport_errors
        self.elapsed += other.elapsed

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ns)
        count = len(ordered)

        def percentile(p: float) -> float | None:
            return round(ordered[min(count - 1, int(p * count))] / 1e6, 2) if count else None

        return {
            "requests": count,
            "seconds": round(self.elapsed, 3),
            "per_second": round(count / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": percentile(0.50), "p90_ms": percentile(0.90), "p99_ms": percentile(0.99),
            "max_ms": round(ordered[-1] / 1e6, 2) if count else None,
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "transport_errors": self.transport_errors,
            "samples": {str(status): body for status, body in self.samples.items()},
        }


class ConnectionClosed(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Returns (status, body, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep_alive = None, False, True
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    if chunked:
        return status, await _read_chunked(reader), keep_alive
    if length is None:
        return status, await reader.read(), False
    return status, await reader.readexactly(length), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class Run:
    def __init__(self, host: str, port: int, phase: Phase, first_variant: int = 0) -> None:
        self.host, self.port, self.phase = host, port, phase
        self.first_variant = self.next_index = first_variant
        self.tally = Tally()
        self.deadline = float("inf")

    def take(self) -> int | None:
        phase, index = self.phase, self.next_index
        if time.perf_counter() >= self.deadline:
            return None
        if phase.max_requests is not None and index - self.first_variant >= phase.max_requests:
            return None
        if not phase.cycle and index >= len(phase.variants):
            return None
        self.next_index += 1
        return index

    async def connection_loop(self) -> None:
        reader = writer = None
        host_header = f"{self.host}:{self.port}"
        while (index := self.take()) is not None:
            request = self.phase.template.render(host_header, self.phase.variants[index % len(self.phase.variants)])
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                assert reader is not None
                started = time.perf_counter_ns()
                writer.write(request)
                status, body, keep_alive = await read_response(reader)
                self.tally.latencies_ns.append(time.perf_counter_ns() - started)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.tally.transport_errors += 1
                writer = _close(writer)
                continue
            self.tally.statuses[status] += 1
            self.tally.samples.setdefault(status, body[:300].decode("utf-8", "replace"))
            if not keep_alive:
                writer = _close(writer)
        _close(writer)

    async def run(self) -> Tally:
        started = time.perf_counter()
        self.deadline = started + min(self.phase.duration or HARD_LIMIT_SECONDS, HARD_LIMIT_SECONDS)
        await asyncio.gather(*(self.connection_loop() for _ in range(self.phase.concurrency)))
        self.tally.elapsed = time.perf_counter() - started
        return self.tally


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()
    return None


def run_phase(host: str, port: int, phase: Phase, first_variant: int = 0) -> tuple[Tally, int]:
    """Runs the phase from variant `first_variant` on; returns its tally and the first variant it did not send."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    run = Run(host, port, phase, first_variant)
    return runner(run.run()), run.next_index
