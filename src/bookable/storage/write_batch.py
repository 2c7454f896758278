"""Group commit for SQLite: a worker's waiting writes share one transaction (ADR 0010).

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

T = TypeVar("T")
MAX_BATCH = 32
"""At most this many writes per transaction, so that one worker's turn at the lock stays short."""


@dataclass
class JoinedBatch:
    """The batch that the current write runs in: its connection, and whether its units of work
    each open a savepoint (see the module's docstring)."""

    engine: Engine
    connection: Connection
    savepoints: bool
    spoiled: bool = False  # a unit of work ended uncommitted after writing, without a savepoint

    def changes(self) -> int:
        """Rows written on this connection so far (only ever grows): a unit of work compares."""
        return int(self.connection.connection.dbapi_connection.total_changes)  # type: ignore[union-attr]


_joined: ContextVar[JoinedBatch | None] = ContextVar("bookable_write_batch", default=None)


def joined_batch(engine: Engine) -> JoinedBatch | None:
    """The batch that the current write runs in, if it runs in one of `engine`."""
    joined = _joined.get()
    if joined is None or joined.engine is not engine:
        return None
    return joined


@dataclass
class _Queued:
    work: Callable[[], Any]
    result: asyncio.Future[Any]
    context: Context  # the submitting request's: the write runs in it, as if called there


@dataclass
class _Queue:
    pending: deque[_Queued] = field(default_factory=deque)
    drainer: asyncio.Task[None] | None = None


class WriteBatches:
    """The write queue of one SQLite database, one per event loop (a worker has one loop)."""

    def __init__(self, engine: Engine, gate: Callable[[], WriterGate | None]) -> None:
        self._engine = engine
        self._gate = gate
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        self._last: tuple[asyncio.AbstractEventLoop, _Queue] | None = None

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        queue = self._queue_of(loop)
        queued = _Queued(functools.partial(work, *args, **kwargs), loop.create_future(), copy_context())
        queue.pending.append(queued)
        if queue.drainer is None:
            queue.drainer = loop.create_task(self._drain(queue))
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
                try:
                    gate = await self._take_gate()
                except Exception as error:  # the gate timed out: every waiting write fails alike
                    _settle_all(list(queue.pending), error)
                    queue.pending.clear()
                    return
                batch = [queue.pending.popleft() for _ in range(min(MAX_BATCH, len(queue.pending)))]
                self._run_batch(batch, gate)
                await asyncio.sleep(0)  # answer this batch before the next turn at the lock
        finally:
            queue.drainer = None

    async def _take_gate(self) -> WriterGate | None:
        gate = self._gate()
        if gate is not None:
            await gate.acquire_async()
        return gate

    def _run_batch(self, batch: list[_Queued], gate: WriterGate | None) -> None:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            connection = self._engine.connect().execution_options(**{GATE_HELD: gate is not None})
        except BaseException as error:
            if gate is not None:
                gate.release()
            _settle_all(batch, error)
            return
        try:
            with connection:
                connection.begin()  # BEGIN IMMEDIATE, adopting the gate; the commit releases it
                outcomes = self._outcomes(batch, connection)
                connection.commit()
        except BaseException as error:  # the batch did not commit: nothing in it happened
            _settle_all(batch, error)
            if not isinstance(error, Exception):
                raise
            return
        for queued, (value, failure) in zip(batch, outcomes, strict=True):
            _settle(queued.result, value, failure)

    def _outcomes(self, batch: list[_Queued], connection: Connection) -> list[tuple[Any, BaseException | None]]:
        """Run the writes without savepoints; if that run is spoiled, undo it and run them again
        with a savepoint each (see the module's docstring)."""
        outcomes = self._run_writes(batch, connection, savepoints=False)
        if outcomes is None:
            _begin_again(connection)
            outcomes = self._run_writes(batch, connection, savepoints=True)
            assert outcomes is not None  # a unit of work in a savepoint never spoils a run
        return outcomes

    def _run_writes(
        self, batch: list[_Queued], connection: Connection, *, savepoints: bool
    ) -> list[tuple[Any, BaseException | None]] | None:
        """Each write's outcome; None if a write without savepoints spoiled the run."""
        outcomes = []
        for queued in batch:
            joined = JoinedBatch(self._engine, connection, savepoints)
            outcomes.append(queued.context.run(_outcome, queued.work, joined))
            if joined.spoiled:
                return None
        return outcomes


def _begin_again(connection: Connection) -> None:
    """Undo the whole transaction and begin another, keeping the writer gate: straight on the driver,
    so that neither SQLAlchemy nor the gated connection ends the batch's turn at the lock."""
    driver: Any = connection.connection.dbapi_connection
    driver.execute("ROLLBACK")
    driver.execute("BEGIN IMMEDIATE")


def _outcome(work: Callable[[], Any], joined: JoinedBatch) -> tuple[Any, BaseException | None]:
    token = _joined.set(joined)
    try:
        return work(), None
    except Exception as error:  # this write's own failure: its units of work rolled back their savepoints
        return None, error
    finally:
        _joined.reset(token)


def _settle_all(batch: list[_Queued], error: BaseException) -> None:
    for queued in batch:
        _settle(queued.result, None, error)


def _settle(result: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if result.done():  # the caller went away (its client disconnected)
        return
    if error is not None:
        result.set_exception(error)
    else:
        result.set_result(value)
