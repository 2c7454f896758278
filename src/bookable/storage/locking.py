"""Every database-specific locking rule lives here, both branches side by side.

SQLite: a write unit of work starts with BEGIN IMMEDIATE, which takes the database write lock
before anything is read, so "lock before you count" holds for the whole transaction. Reads use a
plain deferred BEGIN and, under WAL, never wait for writers.

PostgreSQL: a booking locks the rows of the slots it takes places on (SELECT ... FOR UPDATE, in id
order so two transactions can never deadlock on them) before it counts held places.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from bookable.storage.models import Slot


def install_sqlite_transaction_modes(engine: Engine, *, immediate: bool) -> None:
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(begin)


def lock_slots(session: Session, slot_ids: Iterable[int]) -> None:
    """Hold the slots against concurrent bookings until the transaction ends."""
    ids = sorted(set(slot_ids))
    if not ids or session.get_bind().dialect.name == "sqlite":
        return
    session.execute(select(Slot.id).where(Slot.id.in_(ids)).order_by(Slot.id).with_for_update())
