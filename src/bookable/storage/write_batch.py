"""Group commit for SQLite: a worker's waiting writes share one transaction (ADR 0010).

SQLite admits one writer at a time, across every worker process. A write submitted here joins its
worker's queue; the worker takes the writer gate without blocking its event loop, then runs every
queued write, up to MAX_BATCH, one after another in a single `BEGIN IMMEDIATE` transaction, each
in a SAVEPOINT of its own, and commits once. A write that fails rolls back to its savepoint alone;
the others stand. Each caller gets its result once the batch has committed, so nothing is
answered that could still be lost.

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

_joined: ContextVar[tuple[Engine, Connection] | None] = ContextVar("bookable_write_batch", default=None)


def joined_connection(engine: Engine) -> Connection | None:
    """The connection of the batch that the current write runs in, if it runs in one of `engine`."""
    joined = _joined.get()
    if joined is None or joined[0] is not engine:
        return None
    return joined[1]


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

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, _Queue())
        queued = _Queued(functools.partial(work, *args, **kwargs), loop.create_future(), copy_context())
        queue.pending.append(queued)
        if queue.drainer is None:
            queue.drainer = loop.create_task(self._drain(queue))
        result: T = await queued.result
        return result

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
                joined = (self._engine, connection)
                outcomes = [queued.context.run(_outcome, queued.work, joined) for queued in batch]
                connection.commit()
        except BaseException as error:  # the batch did not commit: nothing in it happened
            _settle_all(batch, error)
            if not isinstance(error, Exception):
                raise
            return
        for queued, (value, failure) in zip(batch, outcomes, strict=True):
            _settle(queued.result, value, failure)


def _outcome(work: Callable[[], Any], joined: tuple[Engine, Connection]) -> tuple[Any, BaseException | None]:
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
