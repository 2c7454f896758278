"""Group commit: a worker's waiting writes share one transaction. The queue below serves both
databases; this module runs SQLite's batches (ADR 0010), storage.postgres_batch PostgreSQL's
(ADR 0026).

SQLite admits one writer at a time, across every worker process. A write submitted here joins its
worker's queue; the worker takes the writer gate without blocking its event loop, then runs every
queued write, up to MAX_BATCH, one after another in a single `BEGIN IMMEDIATE` transaction, and
commits once. A write that fails leaves nothing behind; the others stand. Each caller gets its
result once the batch has committed, so nothing is answered that could still be lost.

How a failed write leaves nothing behind (ADR 0014, amending ADR 0010): almost every write that
fails, fails before it has written (a full slot, a double booking, bad input), so a batch first
runs its writes with no savepoint open. An open savepoint made each insert about twice as
expensive (SQLite keeps the pages it changes in a sub-journal to undo them), on top of the two
statements it costs. A unit of work that ends uncommitted after it has written spoils that run
(JoinedBatch.spoiled): the batch rolls back its transaction, begins another while still holding
the writer gate, and runs every write again, each in a SAVEPOINT of its own, from which a failed
write rolls back alone.

While one worker writes, the other goes on reading requests and checking credentials, and its
writes gather for its next turn. The cost of a transaction (begin, commit, the gate's hand-over,
the WAL pages a commit writes) is paid once per batch instead of once per booking.

A write runs on the event loop thread: it must be short and must not wait for anything but the
database. Every unit of work it opens (storage.database.Database.session) joins the batch's
transaction, so a read after its own write sees that write.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections import deque
from collections.abc import Callable
from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from bookable.storage.locking import GATE_HELD, WriterGate
from bookable.storage.round_trips import Bound, commit_with
from bookable.storage.written_rows import written_rows

T = TypeVar("T")
MAX_BATCH = 32
"""At most this many writes per transaction, so that one worker's turn at the lock stays short."""


@dataclass
class JoinedBatch:
    """The transaction that the current write runs in: its connection, whether its units of work
    each open a savepoint (see the module's docstring), whether it may wait for a lock (PostgreSQL:
    only the first write of a transaction, storage.postgres_batch), and the statements its units
    of work leave to be sent with the commit (PostgreSQL's events, storage.round_trips)."""

    engine: Engine
    connection: Connection
    savepoints: bool
    sent_with_commit: list[Bound]
    may_wait: bool = True
    spoiled: bool = False  # a unit of work ended uncommitted after writing, without a savepoint

    def changes(self) -> int:
        """Rows written on this connection so far (only ever grows): a unit of work compares."""
        raw: Any = self.connection.connection.dbapi_connection
        if self.connection.dialect.name == "sqlite":
            return int(raw.total_changes)
        return written_rows(raw)


_joined: ContextVar[JoinedBatch | None] = ContextVar("bookable_write_batch", default=None)


def joined_batch(engine: Engine) -> JoinedBatch | None:
    """The batch that the current write runs in, if it runs in one of `engine`."""
    joined = _joined.get()
    if joined is None or joined.engine is not engine:
        return None
    return joined


@dataclass
class Queued:
    work: Callable[[], Any]
    result: asyncio.Future[Any]
    context: Context  # the submitting request's: the write runs in it, as if called there


Outcome = tuple[Any, BaseException | None]


@dataclass
class _Queue:
    pending: deque[Queued] = field(default_factory=deque)
    drainers: int = 0


class WriteBatches:
    """The write queue of one database, one per event loop (a worker has one loop). One batch
    drains it; another starts, up to `in_flight` at once, only while a whole batch's worth of
    writes is waiting (the batch running is stuck, waiting for a lock, say): fewer, larger batches
    cost less per write. How a batch runs is the subclass's (SQLite's below, PostgreSQL's in
    storage.postgres_batch)."""

    def __init__(self, engine: Engine, *, in_flight: int = 1) -> None:
        self._engine = engine
        self._in_flight = in_flight
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        self._last: tuple[asyncio.AbstractEventLoop, _Queue] | None = None

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        queue = self._queue_of(loop)
        queued = Queued(functools.partial(work, *args, **kwargs), loop.create_future(), copy_context())
        queue.pending.append(queued)
        if queue.drainers == 0 or (queue.drainers < self._in_flight and len(queue.pending) >= MAX_BATCH):
            queue.drainers += 1
            loop.create_task(self._drain(queue))
        result: T = await queued.result
        return result

    def _queue_of(self, loop: asyncio.AbstractEventLoop) -> _Queue:
        """The loop's queue; the last one asked for is remembered (a worker has one loop), since a
        WeakKeyDictionary.setdefault makes a weak reference and a queue each time."""
        last = self._last
        if last is not None and last[0] is loop:
            return last[1]
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        self._last = (loop, queue)
        return queue

    async def _drain(self, queue: _Queue) -> None:
        try:
            while queue.pending:
                await self._take_turn(queue.pending)
        finally:
            queue.drainers -= 1

    async def _take_turn(self, pending: deque[Queued]) -> None:
        """Run a batch of the pending writes, taken from the left, and settle each."""
        raise NotImplementedError


def next_batch(pending: deque[Queued]) -> list[Queued]:
    return [pending.popleft() for _ in range(min(MAX_BATCH, len(pending)))]


class SqliteWriteBatches(WriteBatches):
    """SQLite's batches: one at a time per worker, on the event loop, behind the writer gate."""

    def __init__(self, engine: Engine, gate: Callable[[], WriterGate | None]) -> None:
        super().__init__(engine)
        self._gate = gate

    async def _take_turn(self, pending: deque[Queued]) -> None:
        try:
            gate = await self._take_gate()
        except Exception as error:  # the gate timed out: every waiting write fails alike
            settle_all(list(pending), error)
            pending.clear()
            return
        self._run_batch(next_batch(pending), gate)
        await asyncio.sleep(0)  # answer this batch before the next turn at the lock

    async def _take_gate(self) -> WriterGate | None:
        gate = self._gate()
        if gate is not None:
            await gate.acquire_async()
        return gate

    def _run_batch(self, batch: list[Queued], gate: WriterGate | None) -> None:
        outcomes: list[Outcome] = []
        try:
            connection = self._engine.connect().execution_options(**{GATE_HELD: gate is not None})
        except BaseException as error:
            if gate is not None:
                gate.release()
            settle_all(batch, error)
            return
        try:
            with connection:
                connection.begin()  # BEGIN IMMEDIATE, adopting the gate; the commit releases it
                sent_with_commit: list[Bound] = []
                outcomes = self._outcomes(batch, connection, sent_with_commit)
                commit_with(connection, sent_with_commit)
        except BaseException as error:  # the batch did not commit: nothing in it happened
            settle_all(batch, error)
            if not isinstance(error, Exception):
                raise
            return
        settle(batch, outcomes)

    def _outcomes(self, batch: list[Queued], connection: Connection, sent_with_commit: list[Bound]) -> list[Outcome]:
        """Run the writes without savepoints; if that run is spoiled, undo it and run them again
        with a savepoint each (see the module's docstring)."""
        outcomes = self._run_writes(batch, connection, sent_with_commit, savepoints=False)
        if outcomes is None:
            _begin_again(connection)
            sent_with_commit.clear()
            outcomes = self._run_writes(batch, connection, sent_with_commit, savepoints=True)
            assert outcomes is not None  # a unit of work in a savepoint never spoils a run
        return outcomes

    def _run_writes(self, batch: list[Queued], connection: Connection, sent_with_commit: list[Bound], *,
                    savepoints: bool) -> list[Outcome] | None:
        """Each write's outcome; None if a write without savepoints spoiled the run."""
        outcomes = []
        for queued in batch:
            joined = JoinedBatch(self._engine, connection, savepoints, sent_with_commit)
            outcomes.append(run_joined(queued, joined))
            if joined.spoiled:
                return None
        return outcomes


def _begin_again(connection: Connection) -> None:
    """Undo the whole transaction and begin another, keeping the writer gate: straight on the driver,
    so that neither SQLAlchemy nor the gated connection ends the batch's turn at the lock."""
    driver: Any = connection.connection.dbapi_connection
    driver.execute("ROLLBACK")
    driver.execute("BEGIN IMMEDIATE")


def run_joined(queued: Queued, joined: JoinedBatch | None) -> Outcome:
    """Run a queued write in its request's context, in `joined` (None: a transaction of its own)."""
    return queued.context.run(_outcome, queued.work, joined)


def _outcome(work: Callable[[], Any], joined: JoinedBatch | None) -> Outcome:
    token = _joined.set(joined)
    try:
        return work(), None
    except Exception as error:  # this write's own failure: its units of work rolled back their savepoints
        return None, error
    finally:
        _joined.reset(token)


def settle(batch: list[Queued], outcomes: list[Outcome]) -> None:
    for queued, (value, failure) in zip(batch, outcomes, strict=True):
        _settle(queued.result, value, failure)


def settle_all(batch: list[Queued], error: BaseException) -> None:
    for queued in batch:
        _settle(queued.result, None, error)


def _settle(result: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if result.done():  # the caller went away (its client disconnected)
        return
    if error is not None:
        result.set_exception(error)
    else:
        result.set_result(value)
