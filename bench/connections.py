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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLE_SECONDS = 0.1


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


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the server side of TCP sockets on this port in this state (IPv4)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def split(port: int, pids: list[int]) -> list[int]:
    """Established connections per worker (a process holding the listening socket), most first."""
    listening, established = _sockets_on(port, LISTENING), _sockets_on(port, ESTABLISHED)
    held = [_socket_inodes(pid) for pid in pids]
    return sorted((len(sockets & established) for sockets in held if sockets & listening), reverse=True)


@contextmanager
def sampled(port: int, worker_pids: list[int]) -> Iterator[list[list[int]]]:
    """Yields a list that fills with one split per sample while the block runs."""
    samples: list[list[int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            seen = split(port, worker_pids)
            if sum(seen):
                samples.append(seen)

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
