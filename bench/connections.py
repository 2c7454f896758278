"""How the load's connections are split between the server's workers, sampled while it runs.

With one shared listening socket (uvicorn's own supervisor) the first worker to wake accepts every
connection waiting: four connections opened at once could all land on one worker, which then
served them on one core while the other idled (seen here: timetable p50 32 ms and 120 requests/s,
against 10 ms and 400/s when they split two and two). `bookable serve` now gives each worker a
socket of its own (ADR 0011) and the kernel hashes connections across them: near even, not exact.
Each result says which split it ran with.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UNTIL_SEEN_EVERY = 0.1
"""Seconds between samples until the load's first connections are seen: the load process is starting
then and the server idle, so these cost the measurement nothing."""
FIRST_SAMPLES = (0.2, 0.5, 1.0)
"""Seconds after the first connections were seen: a phase's connections are made as it starts, and
keep their worker."""
SAMPLE_EVERY = 1.5
"""Seconds between the later samples. A sample costs ~5 ms of kernel time (reading /proc/net/tcp walks
every TCP hash bucket): taken every 0.1 s throughout, they took ~9% of a core from the server measured."""


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for descriptor in descriptors:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    return inodes


LISTENING, ESTABLISHED = "0A", "01"


def _server_sockets(port: int) -> dict[str, set[str]]:
    """Inodes of the server side of TCP sockets on this port (IPv4), by state: one read of /proc/net/tcp."""
    local_port = f":{port:04X}"
    by_state: dict[str, set[str]] = defaultdict(set)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(local_port):
            by_state[fields[3]].add(fields[9])
    return by_state


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the server side of TCP sockets on this port in this state (IPv4)."""
    return _server_sockets(port)[state]


def split(port: int, pids: list[int]) -> list[int]:
    """Established connections per worker (a process holding the listening socket), most first."""
    sockets = _server_sockets(port)
    listening, established = sockets[LISTENING], sockets[ESTABLISHED]
    held = [_socket_inodes(pid) for pid in pids]
    return sorted((len(inodes & established) for inodes in held if inodes & listening), reverse=True)


def _sample_times() -> Iterator[float]:
    """Seconds after the first connections were seen: FIRST_SAMPLES, then every SAMPLE_EVERY."""
    yield from FIRST_SAMPLES
    moment = FIRST_SAMPLES[-1]
    while True:
        moment += SAMPLE_EVERY
        yield moment


@contextmanager
def sampled(port: int, worker_pids: list[int]) -> Iterator[list[list[int]]]:
    """Yields a list that fills with one split per sample while the block runs."""
    samples: list[list[int]] = []
    done = threading.Event()

    def take() -> bool:
        seen = split(port, worker_pids)
        if not sum(seen):
            return False
        samples.append(seen)
        return True

    def sample() -> None:
        while not take():
            if done.wait(UNTIL_SEEN_EVERY):
                return
        seen_at = time.monotonic()
        for moment in _sample_times():
            if done.wait(max(0.0, seen_at + moment - time.monotonic())):
                return
            take()

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


def summary(samples: list[list[int]]) -> str | None:
    """The split seen most often, as "a/b"."""
    if not samples:
        return None
    spelled = ["/".join(map(str, seen)) for seen in samples]
    return max(set(spelled), key=spelled.count)
