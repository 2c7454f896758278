"""Debian's Chromium driven by Playwright (never a browser Playwright downloads): the `browser`
fixture of every browser test (tests/browser, tests/web_browser import it into their conftest).

Outside CI a machine without /usr/bin/chromium skips these tests, saying why; in CI (the CI
variable set) a missing Chromium fails them: .ci/run installs it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: while Playwright's sync API is open its event loop runs in this thread, and a
    later test's asyncio.run() would refuse to start."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run should have installed Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
