"""A unit of work's last statements and its COMMIT in one round trip to PostgreSQL.

Each statement sent to PostgreSQL on its own is a round trip, and a round trip costs the client
some 70-100 us of CPU on a small host (system calls, mostly) besides the wait; `COMMIT` is one of
its own, and a booking holds its slot's lock until its COMMIT is done. psycopg's `ClientCursor`
binds the parameters on the client (psycopg's own quoting) and sends the statements and the
COMMIT as one query string; an error ends the string there and the transaction is rolled back.

What a statement sent so gives up is its server-side prepared plan (psycopg prepares a statement
it has run five times), so this is for statements that are cheap to plan: the event inserts held
back by storage.events (planned in ~40 us, against ~0.5 ms for a booking's locking read, which
therefore stays a prepared statement of its own). Consecutive one-row inserts of the same
statement (a write batch's events) go as one insert of all their rows: PostgreSQL parses and
plans it once, not once a row. psycopg's pipeline mode, which keeps prepared plans, was measured
too: on this driver version it makes more system calls than it saves.

On SQLite there are no round trips: the statements run, then the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby
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
        cursor.execute("; ".join([*_rendered(cursor, statements), "COMMIT"]))
    connection.commit()  # SQLAlchemy's own bookkeeping: psycopg finds the transaction already ended


def _rendered(cursor: ClientCursor[Any], statements: Sequence[Bound]) -> list[str]:
    """The statements as SQL text, a run of one-row inserts of the same statement as one insert."""
    rendered = []
    for sql, run in groupby(statements, key=lambda statement: statement[0]):
        arguments = [bound for _, bound in run]
        head, row = _one_row_insert(sql)
        if row is None or len(arguments) == 1:
            rendered += [cursor.mogrify(sql, bound) for bound in arguments]
        else:
            rendered.append(head + ", ".join([cursor.mogrify(row, bound) for bound in arguments]))
    return rendered


@lru_cache(maxsize=64)
def _one_row_insert(sql: str) -> tuple[str, str | None]:
    """`INSERT INTO t (...) VALUES ` and its row's `(...)`, for an insert of one row that returns
    nothing; else (sql, None)."""
    head, values, row = sql.partition(" VALUES (")
    if not head.startswith("INSERT INTO ") or not values or _closing(row) != len(row) - 1:
        return sql, None  # not an insert of values, or a clause follows them (RETURNING, ON CONFLICT)
    return head + values[:-1], "(" + row


def _closing(after_opening: str) -> int:
    """Where the parenthesis opened just before `after_opening` closes in it (-1: it does not)."""
    depth = 1
    for index, character in enumerate(after_opening):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return index
    return -1


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
