"""A real uvicorn server on a free port in this process, over the test database, for races
driven by real concurrent HTTP requests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import delete

from bookable.api.app import create_app
from bookable.storage.models import LoginFailure


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def no_failed_logins_carried_over(database) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Every request here comes from 127.0.0.1: one test's failed logins (a burst of wrong
    passwords) must not hold that address back in the next test (api/login_throttle.py)."""
    yield
    with database.session(write=True) as session:
        session.execute(delete(LoginFailure))
        session.commit()


@pytest.fixture(scope="session")
def live_server(database) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    config = uvicorn.Config(create_app(database, roll_horizons=False), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
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
    server.should_exit = True
    thread.join(timeout=10)
