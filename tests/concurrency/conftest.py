"""A real uvicorn server on a free port in this process, over the test database, for races
driven by real concurrent HTTP requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from tests.live_server import serving

from bookable.api.app import create_app
from bookable.storage.models import LoginFailure


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
    with serving(create_app(database, roll_horizons=False)) as url:
        yield url
