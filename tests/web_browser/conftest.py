"""Browser tests of the web pages: Debian's Chromium (never a browser Playwright downloads), driven by
Playwright (tests/chromium.py), against a real server in this process on a
SQLite database of its own. Each test builds a tenant of its own there (browser_support.Gym).

Where Chromium is missing they skip, saying why, except under CI (CI is set), where they fail: CI
installs Chromium (.ci/run) and these tests are mandatory there (tests/chromium.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from tests.chromium import browser  # noqa: F401  (the fixture)

from bookable.api.app import create_app
from bookable.storage.database import Database
from bookable.storage.schema import upgrade


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def server(browser_database: Database) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(browser_database, roll_horizons=False), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    yield url
    running.should_exit = True
    thread.join(timeout=10)
