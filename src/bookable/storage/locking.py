"""Every database-specific locking rule lives here, both branches side by side.

SQLite: a write unit of work starts with BEGIN IMMEDIATE, which takes the database write lock
before anything is read, so "lock before you count" holds for the whole transaction. Reads use a
plain deferred BEGIN and, under WAL, never wait for writers. Writers queue first at a WriterGate (a
thread lock plus an exclusive flock on a hidden file beside the database, shared by every worker process)
and only then BEGIN IMMEDIATE: a waiting writer is woken the moment the previous one commits, instead
of polling SQLite's busy handler, which sleeps up to 100 ms between tries and collapses throughput
under contention. The gate only orders writers; SQLite's own lock still guards the data.

PostgreSQL: a booking locks the rows of the slots it takes places on (SELECT ... FOR UPDATE, in id
order so two transactions can never deadlock on them) before it counts held places. A write that
shares a batch's transaction after its first write (storage.postgres_batch, ADR 0026) holds the
locks of the writes before it, so it must not wait: it locks SKIP LOCKED, and a row another
transaction holds makes it raise WouldWait, before it has written anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from select import POLLIN, poll
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, lazyload

from bookable.storage.models import Offering, Slot

GATE_TIMEOUT_SECONDS = 60.0


class WriterGate:
    """One SQLite writer at a time, across threads (a lock) and worker processes (flock).

    A writer that finds the file locked waits on a FIFO beside it, into which every release
    writes a byte: it is woken the moment the lock is free instead of polling on a timer. The
    flock alone decides who holds the lock; the FIFO is only a wake-up call, so a lost byte (a
    worker that died holding the lock, say) costs a waiter at most WAKE_SECONDS."""

    def __init__(self, path: str) -> None:
        self._threads = threading.Lock()
        lock_file, wake_fifo = gate_files(path)
        _remove_old_gate_files(path)
        self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        self._wake = _open_fifo(wake_fifo)
        self._woken = poll()  # not select(): a busy worker's descriptors can pass 1024
        self._woken.register(self._wake, POLLIN)

    def acquire(self) -> None:
        deadline = time.monotonic() + GATE_TIMEOUT_SECONDS
        if not self._threads.acquire(timeout=GATE_TIMEOUT_SECONDS):
            raise _timed_out()
        try:
            while not self._try_lock_file():
                self._await_release(_remaining(deadline))
        except BaseException:
            self._threads.release()
            raise

    async def acquire_async(self) -> None:
        """acquire() for the event loop: it waits without blocking the loop, so that the worker
        goes on reading requests and preparing the next writes while another worker writes."""
        deadline = time.monotonic() + GATE_TIMEOUT_SECONDS
        while not self._threads.acquire(blocking=False):  # a pool thread of this worker is writing
            await asyncio.sleep(min(_remaining(deadline), THREAD_POLL_SECONDS))
        try:
            while not self._try_lock_file():
                await self._released(_remaining(deadline))
        except BaseException:
            self._threads.release()
            raise

    def _try_lock_file(self) -> bool:
        """The other worker processes' writers hold the file lock while they write."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _await_release(self, timeout: float) -> None:
        if self._woken.poll(timeout * 1000):
            self._drain_wake_ups()

    async def _released(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        woken = loop.create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        loop.add_reader(self._wake, wake)
        timer = loop.call_later(timeout, wake)
        try:
            await woken
        finally:
            loop.remove_reader(self._wake)
            timer.cancel()
        self._drain_wake_ups()

    def _drain_wake_ups(self) -> None:
        with contextlib.suppress(BlockingIOError):  # another worker drained it first
            os.read(self._wake, 65536)  # every pending wake-up: the next flock try decides

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()
        with contextlib.suppress(BlockingIOError):  # full of wake-ups nobody read: a waiter wakes anyway
            os.write(self._wake, b"!")


WAKE_SECONDS = 0.002
"""How long a waiting writer sleeps when no release wakes it (a wake-up lost or read by another)."""
THREAD_POLL_SECONDS = 0.0005
"""How often the event loop looks again while a pool thread of its own worker holds the gate."""


def _remaining(deadline: float) -> float:
    """At most WAKE_SECONDS of the time left before the gate's time-out; refused once it is past."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timed_out()
    return min(remaining, WAKE_SECONDS)


def _timed_out() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked (writer gate timed out)")


def gate_files(path: str) -> tuple[str, str]:
    """The gate's lock file and wake-up FIFO: hidden files (`.bookable.db-writers.lock` beside
    `bookable.db`), so that `cp bookable.db* backup/` copies the database and its WAL without
    catching the FIFO, which a copy would wait on for ever."""
    folder, name = os.path.split(path)
    hidden = os.path.join(folder, f".{name}-writers")
    return f"{hidden}.lock", f"{hidden}.wake"


def _remove_old_gate_files(path: str) -> None:
    """Releases before the gate files were hidden left them as `bookable.db-writers.*`."""
    for old in (f"{path}-writers.lock", f"{path}-writers.wake"):
        with contextlib.suppress(OSError):
            os.unlink(old)


def _open_fifo(path: str) -> int:
    with contextlib.suppress(FileExistsError):
        os.mkfifo(path, 0o600)
    return os.open(path, os.O_RDWR | os.O_NONBLOCK)  # read-write: never blocks, never sees EOF


_gates: dict[tuple[int, str], WriterGate] = {}
_gates_lock = threading.Lock()


def writer_gate(path: str) -> WriterGate:
    """The gate of one database file in this process (a forked child opens its own)."""
    key = (os.getpid(), path)
    gate = _gates.get(key)
    if gate is None:
        with _gates_lock:
            gate = _gates.setdefault(key, WriterGate(path))
    return gate


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection that leaves the writer gate once its transaction has ended."""

    gate: WriterGate | None = None
    holding = False

    def enter_gate(self, gate: WriterGate) -> None:
        gate.acquire()
        self.adopt_gate(gate)

    def adopt_gate(self, gate: WriterGate) -> None:
        """The gate was acquired for this connection beforehand (WriterGate.acquire_async)."""
        self.gate, self.holding = gate, True

    def leave_gate(self) -> None:
        if self.holding and self.gate is not None:
            self.holding = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()


def sqlite_file(url_database: str | None) -> str | None:
    """The file of a SQLite URL's database, or None for in-memory databases (no gate needed)."""
    if not url_database or url_database == ":memory:" or url_database.startswith("file:"):
        return None
    return url_database


GATE_HELD = "bookable_gate_held"
"""Execution option: the writer gate is already held for this connection (storage.write_batch)."""


def gate_path(engine: Engine) -> str | None:
    """Where the writer gate of a SQLite engine's database file lives (None: in memory, no gate)."""
    file = sqlite_file(engine.url.database)
    return os.path.realpath(file) if file else None


def install_sqlite_transaction_modes(engine: Engine, *, immediate: bool, synchronous: str = "FULL") -> None:
    path = gate_path(engine)

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")  # one of SYNCHRONOUS_SETTINGS (database.py)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        writes = immediate
        raw: Any = connection.connection.dbapi_connection
        if writes and path is not None and isinstance(raw, GatedConnection):
            if connection.get_execution_options().get(GATE_HELD, False):
                raw.adopt_gate(writer_gate(path))
            else:
                raw.enter_gate(writer_gate(path))
        try:
            # the driver's own execute, not exec_driver_sql: no statement machinery for a fixed text
            raw.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
        except BaseException:
            if isinstance(raw, GatedConnection):
                raw.leave_gate()
            raise


class WouldWait(Exception):
    """A write that may not wait for a lock found one taken (see the module's docstring): it is
    run again first in a transaction of its own, where it may wait."""


def lock_slots(session: Session, slot_ids: Iterable[int], *, may_wait: bool = True) -> None:
    """Hold the slots against concurrent bookings until the transaction ends, and re-read them, so
    that capacity, start and cancellation are current from here on (FOR UPDATE is not rendered on
    SQLite, where the transaction already holds the database write lock)."""
    ids = sorted(set(slot_ids))
    if not ids:
        return
    query = select(Slot).where(Slot.id.in_(ids)).order_by(Slot.id).options(lazyload(Slot.resources))
    _lock(session, query, len(ids), may_wait)


def lock_offering(session: Session, offering_id: int, *, may_wait: bool = True) -> None:
    """Hold an offering against a concurrent change of its slot list (two workers rolling the same
    horizon), and re-read it so what the caller decides from is current."""
    query = select(Offering).where(Offering.id == offering_id).options(lazyload(Offering.resources))
    _lock(session, query, 1, may_wait)


def _lock(session: Session, query: Any, rows: int, may_wait: bool) -> None:
    locked = session.execute(query.with_for_update(skip_locked=not may_wait)
                             .execution_options(populate_existing=True)).all()
    refuse_to_wait(len(locked), rows, may_wait=may_wait)


def refuse_to_wait(found: int, sought: int, *, may_wait: bool) -> None:
    """A locking read that may not wait found fewer rows than it sought: it skipped rows another
    transaction holds (or they are gone), and the write must begin a transaction of its own."""
    if found < sought and not may_wait:
        raise WouldWait
