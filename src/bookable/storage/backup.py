"""Online backups of a SQLite database, and restoring one (`bookable backup`, `bookable restore`).

Both go through SQLite's backup API, never a file copy: the copy is one consistent snapshot taken
in a single read transaction (under WAL, writers go on committing meanwhile, and the snapshot is
of the moment it began), and a restore writes through SQLite's own locking, so the WAL and every
open connection stay coherent. PostgreSQL has its own tools (pg_dump, base backups with WAL
archiving): docs/operations.md.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bookable.domain.errors import ValidationError
from bookable.storage.database import Database
from bookable.storage.locking import sqlite_file


@dataclass(frozen=True)
class Copied:
    path: Path
    bytes: int
    bookings: int


def backup(database: Database, target: Path, *, overwrite: bool = False) -> Copied:
    """A consistent copy of the live database at `target`, checked before it takes that name."""
    source = _file_of(database)
    if target.exists() and not overwrite:
        raise ValidationError(f"{target} already exists: choose another name, or add --force to replace it.")
    if not target.parent.is_dir():
        raise ValidationError(f"No folder {target.parent} to write the backup in.")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with _connected(source) as live, _connected(partial) as copy:
            live.backup(copy)  # one step: every page in one read transaction
        bookings = check_database(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(target, target.stat().st_size, bookings)


def restore(database: Database, source: Path) -> Copied:
    """Replace the whole database with a backup's content (the backup is checked first)."""
    target = _file_of(database)
    if not source.is_file():
        raise ValidationError(f"No backup file {source}.")
    bookings = check_database(source)
    with _connected(source) as backup_copy, _connected(target) as live:
        backup_copy.backup(live)
    return Copied(source, source.stat().st_size, bookings)


def check_database(path: Path) -> int:
    """SQLite's integrity check, and that it holds a bookable schema; returns its booking count."""
    with _connected(path) as connection:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise ValidationError(f"{path} fails SQLite's integrity check: {verdict}")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "bookings"} <= tables:
            raise ValidationError(f"{path} is not a bookable database.")
        return int(connection.execute("SELECT count(*) FROM bookings").fetchone()[0])


def holds_data(database: Database) -> bool:
    file = _file_of(database)
    if not file.exists() or file.stat().st_size == 0:
        return False
    with _connected(file) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return "tenants" in tables and connection.execute("SELECT count(*) FROM tenants").fetchone()[0] > 0


def _file_of(database: Database) -> Path:
    if not database.is_sqlite:
        raise ValidationError("bookable backup and restore copy SQLite databases; for PostgreSQL use pg_dump and "
                              "pg_restore (docs/operations.md).")
    from sqlalchemy import make_url

    file = sqlite_file(make_url(database.url).database)
    if file is None:
        raise ValidationError("An in-memory database cannot be backed up.")
    return Path(file)


@contextlib.contextmanager
def _connected(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        connection = sqlite3.connect(path, timeout=60)
    except sqlite3.OperationalError as error:
        raise ValidationError(f"Cannot open {path}: {error}") from None
    try:
        yield connection
    except sqlite3.DatabaseError as error:
        raise ValidationError(f"{path}: {error}") from None
    finally:
        connection.close()
