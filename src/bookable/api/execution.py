"""Where a request's database work runs: on the event loop thread, or in the worker thread pool.

SQLite admits one writer at a time, across every worker process. A booking run in a worker thread
holds that write lock while it contests its process's GIL with the event loop and the other request
threads: under load it held the lock 2-2.5x longer than alone, and the hop itself cost CPU. Run on
the event loop thread, a worker makes one booking at a time (as SQLite's lock makes it do anyway)
without either cost: 490 -> 820-880 bookings/s, p99 240 -> 80-130 ms in interleaved runs
(docs/performance.md). The price: while a booking waits for the other worker's write lock (a
millisecond or two; at most the gate's time-out), that worker answers nothing else.

PostgreSQL locks rows, not the database, so its bookings keep running side by side in the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from bookable.storage.database import Database

P = ParamSpec("P")
T = TypeVar("T")


async def run_write(database: Database, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    if database.is_sqlite:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)
