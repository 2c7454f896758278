"""How a unit of work holds its transaction: one of its own, or a share of a write batch.

A share of a batch (storage.write_batch, ADR 0010, ADR 0014; storage.postgres_batch, ADR 0026)
runs on the batch's connection, in the batch's transaction. When the batch asks for savepoints,
the share is a SAVEPOINT of its own; otherwise, if it ends uncommitted after it has written, it
spoils the batch's run, which the batch then undoes and runs again. The ORM session joins in a
savepoint of its own only when ORM work begins, so a booking's Core statements pay for no ORM
transaction (ADR 0012). The statements a share leaves for the commit (PostgreSQL's events) go
with the batch's.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bookable.storage.database import Database
from bookable.storage.round_trips import Bound, commit_with
from bookable.storage.write_batch import JoinedBatch

_savepoint_numbers = itertools.count(1)


class Transaction(Protocol):
    @property
    def connection(self) -> Connection: ...
    @property
    def may_wait(self) -> bool:
        """Whether a lock another transaction holds may be waited for (storage.locking)."""

    def session(self, *, write: bool) -> Session: ...
    def commit(self, session: Session | None, last: Sequence[Bound] = ()) -> None:
        """Commit, running the `last` statements first (the events held back)."""
    def rollback(self, session: Session | None) -> None: ...
    def close(self, session: Session | None, *, committed: bool) -> None: ...


def transaction_for(database: Database, *, write: bool) -> Transaction:
    """A share of the write batch the current write runs in, if any (a read inside it reads the
    batch's own uncommitted writes); else a transaction of its own."""
    joined = database.write_batch()
    if joined is not None:
        return BatchShare(database, joined)
    return OwnTransaction(database, write=write)


class OwnTransaction:
    """A connection and its transaction, begun at the first statement: on SQLite a write begins
    IMMEDIATE behind the writer gate (storage.locking), a read begins a plain snapshot. On
    PostgreSQL a read runs each statement in a transaction of its own (autocommit): under READ
    COMMITTED each statement reads its own snapshot anyway, and BEGIN and its end would be two round
    trips for nothing (ADR 0027)."""

    may_wait = True

    def __init__(self, database: Database, *, write: bool) -> None:
        self._database = database
        self._engine = database.write_engine if write else database.read_engine
        self._write = write
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            if not self._write and not self._database.is_sqlite:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                connection.begin()
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def session(self, *, write: bool) -> Session:
        return self._database.session_on(self.connection, write=write)

    def commit(self, session: Session | None, last: Sequence[Bound] = ()) -> None:
        if session is not None:
            session.commit()  # flushes; the transaction is the connection's, committed next
        if self._connection is not None:
            commit_with(self._connection, last)  # on PostgreSQL: with its COMMIT, in one round trip

    def rollback(self, session: Session | None) -> None:
        if session is not None:
            session.rollback()
        if self._connection is not None:
            self._connection.rollback()

    def close(self, session: Session | None, *, committed: bool) -> None:
        if self._connection is None:
            return
        try:
            if session is not None:
                session.close()
            if not committed:
                self._connection.rollback()
        finally:
            self._connection.close()


class BatchShare:
    """A unit of work's share of the write batch it runs in."""

    def __init__(self, database: Database, joined: JoinedBatch) -> None:
        self._database = database
        self._joined = joined
        self.connection = joined.connection
        self.may_wait = joined.may_wait
        self._savepoint = ""
        self._changes_at_start = 0
        if joined.savepoints:
            self._savepoint = f"bookable_uow_{next(_savepoint_numbers)}"
            self.connection.dialect.do_savepoint(self.connection, self._savepoint)
        else:
            self._changes_at_start = joined.changes()

    def session(self, *, write: bool) -> Session:
        return self._database.session_in_batch(self.connection)

    def commit(self, session: Session | None, last: Sequence[Bound] = ()) -> None:
        if session is not None and (session.in_transaction() or session.new or session.deleted):
            session.commit()  # the session's own savepoint, inside this share's
        self._joined.sent_with_commit.extend(last)
        self._release()

    def rollback(self, session: Session | None) -> None:
        if session is not None:
            session.rollback()
        self._undo()

    def close(self, session: Session | None, *, committed: bool) -> None:
        if session is not None:
            session.close()  # first: the session's own savepoint, if it began one, is inside ours
        if not committed:
            self._undo()
            self._release()

    def _undo(self) -> None:
        """Back to this share's savepoint; without one, spoil the batch's run if it wrote anything."""
        if self._savepoint:
            self.connection.dialect.do_rollback_to_savepoint(self.connection, self._savepoint)
        elif self._joined.changes() != self._changes_at_start:
            self._joined.spoiled = True

    def _release(self) -> None:
        if self._savepoint:
            self.connection.dialect.do_release_savepoint(self.connection, self._savepoint)
            self._savepoint = ""
