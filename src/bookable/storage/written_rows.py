"""How many rows a PostgreSQL connection has written, as SQLite's `total_changes` tells of its own.

A write in a PostgreSQL batch runs without a savepoint (storage.postgres_batch): if its unit of
work ends uncommitted after it has written, the batch must know, and undo the transaction. psycopg
counts nothing across statements, so bookable's connections make their cursors from
`CountingCursor`, which adds the rows of every statement that wrote (INSERT, UPDATE, DELETE) to
the connection's count. SQLAlchemy's statements, the ORM's flushes and storage.prepared all run
on such cursors.
"""

from __future__ import annotations

from typing import Any

import psycopg

_COUNT = "bookable_written_rows"
_READS = (b"SELECT", b"SAVEPOINT", b"RELEASE", b"ROLLBACK", b"BEGIN", b"COMMIT", b"SET", b"SHOW")


class CountingCursor(psycopg.Cursor[Any]):
    def execute(self, *args: Any, **kwargs: Any) -> CountingCursor:
        super().execute(*args, **kwargs)
        self._count_written()
        return self

    def executemany(self, *args: Any, **kwargs: Any) -> None:
        super().executemany(*args, **kwargs)
        self._count_written()

    def _count_written(self) -> None:
        if self.rowcount <= 0:
            return
        result = self.pgresult
        status = result.command_status if result is not None else None
        if status is None or status.startswith(_READS):
            return
        connection = self.connection
        setattr(connection, _COUNT, getattr(connection, _COUNT, 0) + self.rowcount)


def written_rows(connection: Any) -> int:
    """Rows written on this psycopg connection since it was opened (only ever grows)."""
    return int(getattr(connection, _COUNT, 0))
