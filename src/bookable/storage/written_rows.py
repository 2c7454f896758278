"""What a PostgreSQL connection has written, as SQLite's `total_changes` tells of its own, and a
rollback that keeps the connection's prepared statements when its transaction wrote nothing.

A write in a PostgreSQL batch runs without a savepoint (storage.postgres_batch): if its unit of
work ends uncommitted after it has written, the batch must know, and undo the transaction. psycopg
counts nothing across statements, so bookable's connections make their cursors from
`CountingCursor`, which adds the rows of every statement that wrote (INSERT, UPDATE, DELETE) to
the connection's count, and counts any other statement that is not a plain read (DDL, SET) as a
change too. SQLAlchemy's statements, the ORM's flushes and storage.prepared all run on such
cursors.

psycopg's `rollback()` discards every statement the connection has prepared (and re-prepares one
only after five more runs). Every read ends with a rollback (a unit of work that reads, a
connection back to the pool), and the pool's connections serve the write batches too: a mixed
load of reads and bookings ran a booking's statements unprepared, planned anew each time. So
bookable's connections are `KeepingConnection`s, whose rollback of a transaction that changed
nothing is a COMMIT: the same outcome, the prepared statements kept.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

_READS = (b"SELECT", b"SAVEPOINT", b"RELEASE", b"ROLLBACK", b"BEGIN", b"COMMIT", b"SHOW")
_ROW_WRITES = (b"INSERT", b"UPDATE", b"DELETE", b"MERGE", b"COPY")


class KeepingConnection(psycopg.Connection[Any]):
    written = 0
    """Rows written on this connection since it was opened (only ever grows)."""
    written_at_begin: int | None = None
    """`written` when the transaction began; None when no CountingCursor saw it begin (a COPY
    did): such a transaction counts as changed."""

    def commit(self) -> None:
        super().commit()
        self.written_at_begin = None

    def rollback(self) -> None:
        if self.pgconn.transaction_status == TransactionStatus.INTRANS and self.written == self.written_at_begin:
            self.commit()
        else:
            super().rollback()
            self.written_at_begin = None


class CountingCursor(psycopg.Cursor[Any]):
    connection: KeepingConnection

    def execute(self, *args: Any, **kwargs: Any) -> CountingCursor:
        self._note_begin()
        super().execute(*args, **kwargs)
        self._count_written()
        return self

    def executemany(self, *args: Any, **kwargs: Any) -> None:
        self._note_begin()
        super().executemany(*args, **kwargs)
        self._count_written()

    def _note_begin(self) -> None:
        """psycopg begins a transaction at the first statement run outside one."""
        connection = self.connection
        if connection.pgconn.transaction_status == TransactionStatus.IDLE:
            connection.written_at_begin = connection.written

    def _count_written(self) -> None:
        result = self.pgresult
        status = result.command_status if result is not None else None
        if status is None or status.startswith(_READS):
            return
        changes = max(self.rowcount, 0) if status.startswith(_ROW_WRITES) else 1
        if changes:
            self.connection.written += changes


def written_rows(connection: KeepingConnection) -> int:
    """Rows written on this psycopg connection since it was opened (only ever grows)."""
    return connection.written
