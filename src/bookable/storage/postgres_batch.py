"""Group commit for PostgreSQL: a worker's waiting writes share a transaction (ADR 0026).

A booking on its own pays for a transaction: psycopg's `BEGIN` and the `COMMIT` are round trips
of their own, and PostgreSQL's work at each commit (the WAL flush, the snapshot bookkeeping) is
about half of its CPU for a booking. Here, as on SQLite (storage.write_batch, ADR 0010), a
worker's waiting writes run one after another in one transaction, in a worker thread (psycopg
blocks), and commit once; every caller is answered after that commit, so nothing is answered that
could still be lost. At most `in_flight` such transactions run at once per worker process
(`postgres_writers`).

What PostgreSQL adds to SQLite's rules:
- Row locks, not one database lock. A write holding locks must never wait for another
  transaction's lock, or two batches that took two slots in opposite orders would deadlock.
  So only the first write of a transaction may wait; the others lock `SKIP LOCKED` and, finding
  a row taken, raise `WouldWait` before they write (storage.locking). The transaction then
  commits what it holds, and the write that would have waited begins the next one, first.
- An error aborts the transaction. A write whose statement failed (its transaction is in error)
  or whose unit of work ended uncommitted after it wrote (storage.written_rows counts the rows)
  spoils the transaction: it is rolled back, and the writes it held run again, each in a
  transaction of its own, as they would without batches. Savepoints would cost a round trip each.
- The events that the writes' units of work hold back go with the batch's COMMIT, in one round
  trip (storage.round_trips).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from anyio import to_thread
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection

from bookable.storage.locking import WouldWait
from bookable.storage.round_trips import Bound, commit_with
from bookable.storage.write_batch import (
    JoinedBatch,
    Outcome,
    Queued,
    WriteBatches,
    next_batch,
    run_joined,
    settle,
)


class PostgresWriteBatches(WriteBatches):
    async def _take_turn(self, pending: deque[Queued]) -> None:
        batch = next_batch(pending)
        settle(batch, await to_thread.run_sync(self._outcomes, batch))

    def _outcomes(self, batch: list[Queued]) -> list[Outcome]:
        """Every write's outcome, in as many transactions as the writes' locks allow."""
        outcomes: list[Outcome] = []
        left = batch
        while left:
            done, left = self._transaction(left)
            outcomes += done
        return outcomes

    def _transaction(self, writes: list[Queued]) -> tuple[list[Outcome], list[Queued]]:
        """Run writes in one transaction until one would wait for a lock: the outcomes of those
        run, and the writes left for the next transaction."""
        outcomes: list[Outcome] = []
        try:
            with self._engine.connect() as connection:  # begins at its first statement
                connection.begin()
                sent_with_commit: list[Bound] = []
                for index, queued in enumerate(writes):
                    joined = JoinedBatch(self._engine, connection, False, sent_with_commit, may_wait=index == 0)
                    outcome = run_joined(queued, joined)
                    if joined.spoiled or _in_error(connection):
                        connection.rollback()
                        return [run_joined(queued, None) for queued in writes[:index + 1]], writes[index + 1:]
                    if isinstance(outcome[1], WouldWait):
                        commit_with(connection, sent_with_commit)
                        return outcomes, writes[index:]
                    outcomes.append(outcome)
                commit_with(connection, sent_with_commit)
        except Exception as error:  # no connection, or the commit failed: what ran here did not happen
            failed = len(outcomes) or len(writes)  # with nothing run, the next try would fail alike
            return [(None, error)] * failed, writes[failed:]
        return outcomes, []


def _in_error(connection: Connection) -> bool:
    """The transaction was aborted by a failed statement, or its connection was lost (SQLAlchemy
    invalidated it): nothing more can run in it."""
    if connection.invalidated:
        return True
    raw: Any = connection.connection.dbapi_connection
    return raw is None or raw.info.transaction_status in _BROKEN


_BROKEN = (TransactionStatus.INERROR, TransactionStatus.UNKNOWN)
