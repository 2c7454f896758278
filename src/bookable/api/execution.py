"""Where a request's work runs: on the event loop thread, or in the worker thread pool.

Reads. The BRP timetable is ~5 ms of CPU per week. In the pool, three such requests on one worker
share its GIL and all finish late; on the loop they run one after another (ADR 0009).

Writes. SQLite admits one writer at a time, across every worker process. A booking run in a worker
thread holds that write lock while it contests its process's GIL with the event loop and the other
request threads: under load it held the lock 2-2.5x longer than alone, and the hop itself cost CPU.
Run on the event loop thread, a worker makes one booking at a time (as SQLite's lock makes it do
anyway) without either cost (ADR 0006), and its waiting writes share one transaction (ADR 0010).
PostgreSQL's writes share transactions too, run in a worker thread, a few batches at once per
worker process (`postgres_writers`, ADR 0026): the rest wait on the event loop for a turn, not in
a thread holding a connection and, on a busy slot, waiting in PostgreSQL's lock queue behind the
others (ADR 0025).

Credential checks. A check whose credentials are remembered (the credential cache, ADR 0004) costs
microseconds, so it runs on the loop; one that must read the database or verify argon2 runs in a
worker thread. A thread hop is not free under load: the thread waits for the GIL while the loop
thread books, up to the switch interval at every handover. A burst of first requests with one
credential (a class opening for booking) sent each of them to the pool, and that convoy held the
first requests of a 200-client race for up to 3.3 s (ADR 0007).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from bookable.storage.database import Database

P = ParamSpec("P")
T = TypeVar("T")


async def run_read(database: Database, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """On the event loop thread with SQLite (its calls are short and mostly CPU, and reads never
    wait under WAL), in the thread pool with PostgreSQL (network round trips)."""
    if database.is_sqlite:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


def run_write(database: Database, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
    """In this worker's next write batch: one transaction and one commit for every write waiting
    (storage.write_batch, ADR 0010, on the event loop behind SQLite's writer gate;
    storage.postgres_batch, ADR 0026, in a worker thread). A plain function handing back the
    awaitable: every coroutine frame a booking waits in is walked by each garbage collection while
    it waits."""
    return database.write_batches.run(work, *args, **kwargs)


class NotRemembered(Exception):
    """A check reached a database read or a password verification while only remembered facts
    were allowed (run_checks' first try on the event loop)."""


_remembered_only: ContextVar[bool] = ContextVar("bookable_remembered_only", default=False)
_first_sights: dict[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Event] = {}


def about_to_look_up() -> None:
    """Call before a check reads the database or verifies a password: on the event loop, where
    only remembered facts may be used, this stops the check so that it is run again in a thread."""
    if _remembered_only.get():
        raise NotRemembered


async def run_checks(credential: Hashable, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `check` on the event loop if everything it needs is remembered, else in a worker thread.
    `check` must change nothing before it looks anything up. While a request with the same
    `credential` (what identifies the caller: header, key, tenant) is being checked in a thread,
    the others wait for it together, then find the credential remembered; an Event, not a Lock, so
    that they all wake in one turn of the loop rather than one per turn."""
    try:
        return _from_remembered(check, *args, **kwargs)
    except NotRemembered:
        pass
    key = (asyncio.get_running_loop(), credential)
    first = _first_sights.get(key)
    if first is None:
        first = _first_sights[key] = asyncio.Event()
        try:
            return await run_in_threadpool(check, *args, **kwargs)
        finally:
            del _first_sights[key]
            first.set()
    await first.wait()
    try:
        return _from_remembered(check, *args, **kwargs)
    except NotRemembered:  # the first one was refused: so is this one, after its own check
        return await run_in_threadpool(check, *args, **kwargs)


def _from_remembered(check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    token = _remembered_only.set(True)
    try:
        return check(*args, **kwargs)
    finally:
        _remembered_only.reset(token)
