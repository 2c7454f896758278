"""End-to-end fixtures: the installed `bookable` command, run as a subprocess on a fresh database.

Every test gets a database of its own: a SQLite file in its temp folder, and (when
BOOKABLE_TEST_POSTGRES_URL is set) a throwaway PostgreSQL database dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import BACKENDS, throwaway_postgres

from bookable.storage.database import Database


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema yet), for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
        return
    yield from throwaway_postgres("bookable_e2e")


@pytest.fixture
def open_database(fresh_url: str) -> Iterator[Database]:
    """The same database opened by the test itself, to look at what the command did."""
    database = Database(fresh_url, pool_size=2)
    yield database
    database.dispose()
