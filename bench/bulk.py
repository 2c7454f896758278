"""Fast bulk writes through the storage layer's own tables: COPY on PostgreSQL, Core executemany on SQLite.

Rows are tuples in the order of the column names given; ids are assigned here (no RETURNING round
trips), and PostgreSQL sequences are moved past them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

CHUNK = 20_000


def chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class BulkWriter:
    """Writes many rows into one connection's open transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.is_postgres = connection.dialect.name == "postgresql"
        self.skips_triggers = False  # then the slots' counters are recounted after bookings are written
        if not self.is_postgres:
            connection.exec_driver_sql("PRAGMA cache_size=-262144")
        elif connection.exec_driver_sql("SELECT current_setting('is_superuser')").scalar() == "on":
            # the generated rows are consistent by construction: skip per-row foreign-key triggers
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            self.skips_triggers = True

    def next_id(self, table: Table) -> int:
        return int(self.connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        if self.is_postgres:
            return self._copy(table, columns, rows)
        written = 0
        statement = table.insert()
        for chunk in chunks(rows):
            self.connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in chunk])
            written += len(chunk)
        return written

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        raw = self.connection.connection.driver_connection
        assert raw is not None
        written = 0
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written

    def reset_sequences(self, tables: Iterable[Table]) -> None:
        if not self.is_postgres:
            return
        for table in tables:
            if "id" in table.c:
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                ))
