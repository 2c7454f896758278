"""A unit of work's last statements and its COMMIT in one round trip to PostgreSQL.

Each statement sent to PostgreSQL on its own is a round trip, and a round trip costs the client
some 70-100 us of CPU on a small host (system calls, mostly) besides the wait; `COMMIT` is one of
its own, and a booking holds its slot's lock until its COMMIT is done. psycopg's `ClientCursor`
binds the parameters on the client (psycopg's own quoting) and sends the statements and the
COMMIT as one query string; an error ends the string there and the transaction is rolled back.

What a statement sent so gives up is its server-side prepared plan (psycopg prepares a statement
it has run five times), so this is for statements that are cheap to plan: the event inserts held
back by storage.events (planned in ~40 us, against ~0.5 ms for a booking's locking read, which
therefore stays a prepared statement of its own). psycopg's pipeline mode, which keeps prepared
plans, was measured too: on this driver version it makes more system calls than it saves.

On SQLite there are no round trips: the statements run, then the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import ClientCursor
from sqlalchemy import Connection

Bound = tuple[str, Any]


def commit_with(connection: Connection, statements: Sequence[Bound]) -> None:
    """Run `statements` (already bound: Prepared.bound) and commit, in one round trip."""
    raw = _psycopg(connection)
    if raw is None or not statements:
        run_all(connection, statements)
        connection.commit()
        return
    with ClientCursor(raw) as cursor:
        cursor.execute("; ".join([*(cursor.mogrify(sql, arguments) for sql, arguments in statements), "COMMIT"]))
    connection.commit()  # SQLAlchemy's own bookkeeping: psycopg finds the transaction already ended


def run_all(connection: Connection, statements: Sequence[Bound]) -> None:
    """Run bound statements one after another, ignoring what they return."""
    if not statements:
        return
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement in statements:
            cursor.execute(*statement)
    finally:
        cursor.close()


def _psycopg(connection: Connection) -> Any | None:
    """The psycopg connection, or None for another driver."""
    if connection.dialect.driver != "psycopg":
        return None
    return connection.connection.dbapi_connection
