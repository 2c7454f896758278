"""Revocation at once, in every worker and on every host (ADR 0004, amendment of issue 28).

Each worker reads the credential-changes counter (storage.credentials) once a second, off the
request path, and when it has moved expires everything its credential cache remembers: the next
request of each caller is checked against the database again (argon2 only if the password's hash
changed). The tick after a change expires them once more, for a check that was reading the
database while the change committed and remembered what it read just after the first expiry.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from bookable.api.auth import Authenticator
from bookable.storage.credentials import changes_so_far
from bookable.storage.database import Database

WATCH_SECONDS = 1.0
log = logging.getLogger("bookable.credentials")


async def watch_credential_changes(database: Database, authenticator: Authenticator) -> None:
    seen: int | None = None
    moved_last_tick = False
    while True:
        now: int | None
        try:
            now = await _read(database)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the watch
            log.warning("reading the credential changes failed; trying again", exc_info=True)
            now = seen
        moved = seen is not None and now != seen
        if moved or moved_last_tick:
            authenticator.cache.expire_all()
        if moved:
            log.info("credentials changed: remembered logins are checked again")
        moved_last_tick, seen = moved, now
        await asyncio.sleep(WATCH_SECONDS)


async def _read(database: Database) -> int:
    if database.is_sqlite:  # a short local read: no thread hop
        return _changes(database)
    return await run_in_threadpool(_changes, database)


def _changes(database: Database) -> int:
    with database.read_engine.connect() as connection:
        return changes_so_far(connection)
