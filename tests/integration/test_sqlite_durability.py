"""SQLite's durability setting: an acknowledged write survives a power cut by default (synchronous
FULL); NORMAL (survives the process dying only) is a documented opt-in."""

from __future__ import annotations

import pytest

from bookable.domain.errors import ValidationError
from bookable.storage.database import Database

FULL, NORMAL = 2, 1


def synchronous_of(database: Database) -> list[int]:
    """The setting of a connection of each engine the server reads and writes with."""
    values = []
    for engine in (database.read_engine, database.write_engine):
        with engine.connect() as connection:
            values.append(connection.exec_driver_sql("PRAGMA synchronous").scalar())
    return values


def test_every_connection_syncs_each_commit_to_disk_by_default(tmp_path, monkeypatch, client, app):
    monkeypatch.delenv("BOOKABLE_SQLITE_SYNCHRONOUS", raising=False)
    database = Database(f"sqlite:///{tmp_path / 'durable.db'}")
    try:
        assert synchronous_of(database) == [FULL, FULL]
    finally:
        database.dispose()
    if app.state.database.is_sqlite:  # the database the test server answers from was opened the same way
        assert synchronous_of(app.state.database) == [FULL, FULL]
        assert client.get("/healthz").status_code == 200


def test_normal_is_an_explicit_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKABLE_SQLITE_SYNCHRONOUS", "normal")
    database = Database(f"sqlite:///{tmp_path / 'fast.db'}")
    try:
        assert synchronous_of(database) == [NORMAL, NORMAL]
    finally:
        database.dispose()


def test_an_unknown_setting_is_refused_with_the_variable_named(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKABLE_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(ValidationError, match="BOOKABLE_SQLITE_SYNCHRONOUS"):
        Database(f"sqlite:///{tmp_path / 'x.db'}")
