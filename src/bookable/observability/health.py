"""Readiness (`/readyz`): can this worker reach its database now? Liveness (`/healthz`) asks nothing."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from bookable.observability import metrics
from bookable.storage.database import Database

READY_TIMEOUT_SECONDS = 5.0
POOL_SAMPLE_SECONDS = 5.0
log = logging.getLogger("bookable.health")


async def database_problem(database: Database) -> str | None:
    """None when a trivial query answers in time, else what went wrong (for the probe's body)."""
    try:
        await asyncio.wait_for(run_in_threadpool(_ping, database), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"the database did not answer within {READY_TIMEOUT_SECONDS:g} s"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        log.warning("readiness check failed", exc_info=True)
        return f"database error: {error.__class__.__name__}"
    return None


def _ping(database: Database) -> None:
    with database.read_engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def sample_pool_use(database: Database) -> None:
    """The pools' use as gauges, every few seconds: nothing on the path of a request."""
    engines = {"read": database.read_engine, "write": database.write_engine}
    if database.read_engine is database.write_engine:  # PostgreSQL: one pool
        engines = {"shared": database.read_engine}
    while True:
        for name, engine in engines.items():
            pool = engine.pool
            metrics.pool_in_use(name, _number(pool, "size"), _number(pool, "checkedout"),
                                _number(pool, "overflow"))
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


def _number(pool: object, method: str) -> int:
    reading = getattr(pool, method, None)
    return int(reading()) if callable(reading) else 0
