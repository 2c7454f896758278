"""Engines and sessions for SQLite (default, WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bookable.domain.errors import ValidationError
from bookable.storage.locking import GatedConnection, install_sqlite_transaction_modes

DEFAULT_URL = "sqlite:///bookable.db"


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("BOOKABLE_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """Owns the engines; hands out sessions for read-only and for writing units of work."""

    def __init__(self, url: str | None = None, *, pool_size: int = 20) -> None:
        self.url = database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.read_engine = self._sqlite_engine(immediate=False)
            self.write_engine = self._sqlite_engine(immediate=True)
        else:
            self.read_engine = self.write_engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size + 10, pool_pre_ping=True
            )
        for engine in {self.read_engine, self.write_engine}:
            event.listen(engine, "before_cursor_execute", refuse_nul_text)
        self._readers = sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        self._writers = sessionmaker(self.write_engine, expire_on_commit=False, autoflush=True)

    def _sqlite_engine(self, *, immediate: bool) -> Engine:
        engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 60, "factory": GatedConnection},
            pool_size=20,
            max_overflow=40,
        )
        install_sqlite_transaction_modes(engine, immediate=immediate)
        return engine

    def session(self, *, write: bool) -> Session:
        return self._writers() if write else self._readers()

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


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
