"""Browser tests of the web pages: Debian's Chromium (never a browser Playwright downloads), driven by
Playwright through pytest-playwright's session browser, against a real server in this process on a
SQLite database of its own. Each test builds a tenant of its own there (browser_support.Gym).

Where Chromium is missing they skip, saying why, except under CI (CI is set), where they fail: CI
installs Chromium (.ci/run) and these tests are mandatory there."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bookable.api.app import create_app
from bookable.storage.database import Database
from bookable.storage.schema import upgrade

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("BOOKABLE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session", autouse=True)
def _chromium_or_skip() -> None:
    if chromium_path() is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests: install Debian's Chromium (apt-get install -y chromium)")
    pytest.skip("no Chromium on this machine (apt-get install -y chromium); the browser tests run in CI")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright launches its one browser of the session with these: Debian's Chromium."""
    return {"executable_path": chromium_path(), "args": CHROMIUM_ARGS, "headless": True}


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
