"""CPU spent per phase: by the server's processes, and by the whole machine, read from /proc.

The load process reads these around each phase, so a booking's cost over HTTP can be set beside its
in-process cost (bench.inprocess): what the server spends in all, and whether the cores were busy or
waited (on the lock, on the network)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def process_seconds(pids: list[int]) -> float:
    """User plus system CPU of these processes so far (a process that has gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def processes_named(name: str) -> list[int]:
    """The pids of this machine's processes whose command is `name` (a local PostgreSQL's backends)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far, over every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS, idle / TICKS


@dataclass(frozen=True)
class Spent:
    """CPU seconds spent over a phase (or, added up, over several): by the load client (this process),
    by the server's processes, and by the whole machine busy and idle."""

    client: float = 0.0
    server: float = 0.0
    busy: float = 0.0
    idle: float = 0.0

    def __add__(self, other: Spent) -> Spent:
        return Spent(self.client + other.client, self.server + other.server, self.busy + other.busy,
                     self.idle + other.idle)

    def figures(self, requests: int) -> dict[str, Any]:
        def per_request(seconds: float) -> float | None:
            return round(seconds / requests * 1e6, 1) if requests else None

        return {
            "client_cpu_seconds": round(self.client, 3), "client_cpu_us_per_request": per_request(self.client),
            "server_cpu_seconds": round(self.server, 2), "server_cpu_us_per_request": per_request(self.server),
            "machine_cpu_us_per_request": per_request(self.busy),
            "machine_idle_share": round(self.idle / (self.busy + self.idle), 3) if self.busy + self.idle else None,
        }


class Meter:
    """CPU of this process, of the server's processes and of the machine between start() and spent()."""

    def __init__(self, server_pids: list[int]) -> None:
        self.server_pids = server_pids
        self.start()

    def start(self) -> None:
        self._server = process_seconds(self.server_pids)
        self._busy, self._idle = machine_seconds()
        self._client = time.process_time()

    def spent(self) -> Spent:
        client = time.process_time() - self._client
        busy, idle = machine_seconds()
        return Spent(client, process_seconds(self.server_pids) - self._server, busy - self._busy, idle - self._idle)
