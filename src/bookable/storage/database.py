"""Engines and sessions for SQLite (default, WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import orjson
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from bookable.domain.errors import ValidationError
from bookable.storage.liveness import check_on_checkout
from bookable.storage.locking import (
    GatedConnection,
    WriterGate,
    gate_path,
    install_sqlite_transaction_modes,
    writer_gate,
)
from bookable.storage.postgres_batch import PostgresWriteBatches
from bookable.storage.sqlite_dialect import DRIVER_NAME
from bookable.storage.write_batch import JoinedBatch, SqliteWriteBatches, WriteBatches, joined_batch
from bookable.storage.written_rows import CountingCursor, KeepingConnection

DEFAULT_URL = "sqlite:///bookable.db"
SYNCHRONOUS_VARIABLE = "BOOKABLE_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_SETTINGS = ("FULL", "NORMAL")
"""SQLite's `synchronous` in WAL mode (docs/configuration.md): FULL syncs the log at every commit, so
an acknowledged booking survives a power cut; NORMAL syncs only at checkpoints, so it survives the
process dying but a power cut may lose the last commits. With group commit (ADR 0010) FULL costs
one fsync per write batch, not per booking: it is the default."""


def sqlite_synchronous() -> str:
    setting = (os.environ.get(SYNCHRONOUS_VARIABLE) or SYNCHRONOUS_SETTINGS[0]).strip().upper()
    if setting not in SYNCHRONOUS_SETTINGS:
        raise ValidationError(f"{SYNCHRONOUS_VARIABLE} must be one of {', '.join(SYNCHRONOUS_SETTINGS)}, "
                              f"not {setting!r}.", field=SYNCHRONOUS_VARIABLE)
    return setting


SUPPORTED_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("BOOKABLE_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    scheme = url.partition("://")[0]
    if scheme not in SUPPORTED_SCHEMES:
        raise ValidationError(f"Unsupported database {scheme!r}: bookable runs on SQLite (sqlite:///bookable.db) "
                              "and PostgreSQL (postgresql://user@host/db).", field="database_url")
    return url


POOLER_PARAMETER = "pooler"
POOLERS = ("pgbouncer",)


def postgres_connection(url: str) -> tuple[URL, dict[str, Any]]:
    """The URL to connect to and the driver's options. `?pooler=pgbouncer` says that the URL is a
    PgBouncer in transaction pooling mode: each transaction may run on another server connection,
    so no server-side prepared statement (psycopg prepares a statement run five times) may be
    relied on. bookable keeps no other session state (no SET, advisory lock, LISTEN or temp table)."""
    parsed = make_url(url)
    pooler = parsed.query.get(POOLER_PARAMETER)
    if pooler is None:
        return parsed, {"cursor_factory": CountingCursor}
    if pooler not in POOLERS:
        raise ValidationError(f"Unknown pooler {pooler!r} in the database URL: bookable knows "
                              f"{', '.join(POOLERS)} (transaction pooling).", field="database_url")
    return parsed.difference_update_query([POOLER_PARAMETER]), {"prepare_threshold": None,
                                                                "cursor_factory": CountingCursor}


DEFAULT_CONCURRENT_WRITES = 2  # PostgreSQL write batches per worker process at once (ADR 0026)


class Database:
    """Owns the engines; hands out sessions for read-only and for writing units of work."""

    def __init__(self, url: str | None = None, *, pool_size: int = 20,
                 concurrent_writes: int = DEFAULT_CONCURRENT_WRITES) -> None:
        self.url = database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.read_engine = self._sqlite_engine(immediate=False)
            self.write_engine = self._sqlite_engine(immediate=True)
        else:
            server, connect_args = postgres_connection(self.url)
            self.read_engine = self.write_engine = create_engine(
                server, pool_size=pool_size, max_overflow=pool_size + 10, json_serializer=json_text,
                connect_args=connect_args,
            )
            check_on_checkout(self.write_engine)  # instead of pool_pre_ping's round trip per request
            event.listen(self.write_engine, "do_connect", _keeping_prepared_statements)
        for engine in {self.read_engine, self.write_engine}:
            event.listen(engine, "before_cursor_execute", refuse_nul_text)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        self._writers = sessionmaker(self.write_engine, expire_on_commit=False, autoflush=True)
        self._joiners = sessionmaker(expire_on_commit=False, autoflush=True, join_transaction_mode="create_savepoint")
        # resolved once: every write batch asks for the gate, and realpath is a series of syscalls
        self._gate_path = gate_path(self.write_engine) if self.is_sqlite else None
        self.write_batches: WriteBatches = (
            SqliteWriteBatches(self.write_engine, self._writer_gate) if self.is_sqlite
            else PostgresWriteBatches(self.write_engine, in_flight=concurrent_writes))

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(
            make_url(self.url).set(drivername=DRIVER_NAME),
            connect_args={"check_same_thread": False, "timeout": 60, "factory": GatedConnection},
            pool_size=20,
            max_overflow=40,
            json_serializer=json_text,
        )
        install_sqlite_transaction_modes(engine, immediate=immediate, synchronous=sqlite_synchronous())
        return engine

    def session(self, *, write: bool) -> Session:
        """A session with a transaction of its own, for work outside any unit of work."""
        return self._writers() if write else self._readers()

    def session_on(self, connection: Connection, *, write: bool) -> Session:
        """A session in the transaction already begun on `connection` (a unit of work's own)."""
        return (self._writers if write else self._readers)(bind=connection)

    def session_in_batch(self, connection: Connection) -> Session:
        """A session in a write batch's transaction, in a savepoint of its own once ORM work begins."""
        return self._joiners(bind=connection)

    def write_batch(self) -> JoinedBatch | None:
        """The write batch that the current write runs in, if any (storage.write_batch)."""
        return joined_batch(self.write_engine)

    def _writer_gate(self) -> WriterGate | None:
        return writer_gate(self._gate_path) if self._gate_path else None

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


def _keeping_prepared_statements(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """psycopg connections whose rollback of a transaction that changed nothing keeps the
    statements they prepared (storage.written_rows)."""
    return KeepingConnection.connect(*cargs, **cparams)


def is_overload(error: Exception) -> bool:
    """Waiting too long for a pooled connection or for the SQLite write lock: the request did
    nothing, and the caller should come back (503 with Retry-After), not see a server error."""
    if isinstance(error, SQLAlchemyTimeoutError):
        return True
    cause = error.orig if isinstance(error, DBAPIError) else error
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause)


def json_text(value: Any) -> str:
    """JSON columns (audit snapshots, stored idempotent responses) written by orjson: a booking
    writes its audit entry under SQLite's write lock, and the standard library's encoder took
    about three times as long."""
    return orjson.dumps(value).decode()


def refuse_nul_text(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """No text column can hold NUL (PostgreSQL refuses it outright): whatever API a NUL came in
    through, it ends as a clear validation error instead of a database failure."""
    if executemany or not parameters:
        return
    values = parameters.values() if isinstance(parameters, dict) else parameters
    if any(isinstance(value, str) and "\x00" in value for value in values):
        raise ValidationError("Text may not contain NUL characters.")
