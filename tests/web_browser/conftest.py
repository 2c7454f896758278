"""Browser tests of the web pages: Debian's Chromium (never a browser Playwright downloads), driven by
Playwright (tests/chromium.py), against a real server in this process on a
SQLite database of its own. Each test builds a tenant of its own there (browser_support.Gym).

Where Chromium is missing they skip, saying why, except under CI (CI is set), where they fail: CI
installs Chromium (.ci/run) and these tests are mandatory there (tests/chromium.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.chromium import browser  # noqa: F401  (the fixture)
from tests.live_server import serving

from bookable.api.app import create_app
from bookable.storage.database import Database
from bookable.storage.schema import upgrade


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def server(browser_database: Database) -> Iterator[str]:
    with serving(create_app(browser_database, roll_horizons=False)) as url:
        yield url
