"""End-to-end fixtures: the installed `bookable` command, run as a subprocess on a fresh database.

Every test gets a database of its own: a SQLite file in its temp folder, and (when
BOOKABLE_TEST_POSTGRES_URL is set) a throwaway PostgreSQL database dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bookable.storage.database import Database, database_url

POSTGRES_URL = os.environ.get("BOOKABLE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
def _throwaway_postgres() -> Iterator[str]:
    base = make_url(database_url(POSTGRES_URL))
    name = f"bookable_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema yet), for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
        return
    yield from _throwaway_postgres()


@pytest.fixture
def open_database(fresh_url: str) -> Iterator[Database]:
    """The same database opened by the test itself, to look at what the command did."""
    database = Database(fresh_url, pool_size=2)
    yield database
    database.dispose()
