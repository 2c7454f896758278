"""How much CPU the machine gives right now: the same pure-Python work in one process per core at
once, timed. On a shared host the figure moves with the neighbours (seen here: 2x within minutes),
so every result file carries it from before and after the run; compare runs only at similar values."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

WORK = 2_000_000


def _spin(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for number in range(WORK):
        total += number & 7
    return time.perf_counter() - started


def cpu_capacity() -> dict[str, float]:
    """Million loop iterations per second, summed over one process per core (higher is faster)."""
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        seconds = list(pool.map(_spin, range(cores)))
    return {"mloops_per_second": round(sum(WORK / s for s in seconds) / 1e6, 1), "cores": cores}
