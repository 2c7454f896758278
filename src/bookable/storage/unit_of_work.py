"""One request = one unit of work = one transaction. Services never commit; callers do.

In a SQLite write batch (storage.write_batch, ADR 0010) a unit of work runs in the batch's
transaction, on the batch's connection: in a savepoint of its own when the batch asks for them, and
otherwise, if it ends uncommitted after writing, it spoils the batch's run, which then runs again
with savepoints (storage.write_batch). Core statements (storage.booking_rows, the booking
path) run straight on that connection; the ORM session joins in a savepoint of its own only when
ORM work begins, so a booking pays for no ORM transaction at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property
from types import TracebackType
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bookable.storage import repositories as r
from bookable.storage.booking_rows import BookingRows
from bookable.storage.database import Database
from bookable.storage.locking import DEFERRED_WRITE, lock_offering, lock_slots
from bookable.storage.write_batch import JoinedBatch

_savepoint_numbers = itertools.count(1)


class UnitOfWork:
    def __init__(self, database: Database, tenant_id: int, *, write: bool = True) -> None:
        self.database = database
        self.tenant_id = tenant_id
        self.write = write
        self._deferred = False
        self._batch: Connection | None = None
        self._joined: JoinedBatch | None = None
        self._savepoint = ""
        self._changes_at_start = 0
        self._reading: Connection | None = None

    def __enter__(self) -> UnitOfWork:
        self.committed = False
        self._joined = self.database.write_batch()
        self._batch = self._joined.connection if self._joined is not None else None
        if self._joined is not None and self._joined.savepoints:
            self._savepoint = f"bookable_uow_{next(_savepoint_numbers)}"
            self._joined.connection.dialect.do_savepoint(self._joined.connection, self._savepoint)
        elif self._joined is not None:
            self._changes_at_start = self._joined.changes()
        elif not self.write:
            self._reading = self.database.read_engine.connect()
            self._reading.begin()
        self.loads = r.Loads(self.connection)
        self.rows = BookingRows(self.connection, self.tenant_id, current=self._batch is not None)
        return self

    @cached_property
    def session(self) -> Session:
        """Made at the first ORM use: a booking in a write batch runs Core statements only, and a
        session costs ~20 us to make and close."""
        return self.database.session(write=self.write, on=self._reading)

    @cached_property
    def tenants(self) -> r.Tenants:
        return r.Tenants(self.session)

    @cached_property
    def offerings(self) -> r.Offerings:
        return r.Offerings(self.session, self.tenant_id)

    @cached_property
    def bookings(self) -> r.Bookings:
        return r.Bookings(self.session, self.tenant_id)

    @cached_property
    def people(self) -> r.People:
        return r.People(self.session, self.tenant_id)

    @cached_property
    def audit(self) -> r.Audit:
        return r.Audit(self.session, self.tenant_id)

    @cached_property
    def catalog(self) -> r.TenantScoped:
        return r.TenantScoped(self.session, self.tenant_id)

    def zone(self, tenant_id: int) -> str:
        """The tenant's IANA time zone (repositories.TENANT_ZONES: remembered per database)."""
        return r.TENANT_ZONES.zone(self.database, tenant_id, lambda: self.tenants.zone(tenant_id))

    def _session_made(self) -> bool:
        return "session" in self.__dict__

    def connection(self) -> Connection:
        """Where Core statements run in this unit of work's transaction: the batch's connection, a
        reading unit of work's own (begun at the start, the session joins it if ORM work begins),
        or the session's. A Core read pays no ORM transaction: ~130 us against ~35 us here."""
        if self._batch is not None:
            return self._batch
        return self._reading if self._reading is not None else self.session.connection()

    def defer_write_lock(self) -> None:
        """SQLite: read without the database write lock until lock_slots(), so that only counting
        and writing are serialised. Only a caller that re-checks after lock_slots() what it read
        before may use it; a no-op once the transaction has begun, and on PostgreSQL (row locks)."""
        in_batch = self._batch is not None  # already under the lock
        if self.write and self.database.is_sqlite and not in_batch and not self.session.in_transaction():
            self.session.connection(execution_options={DEFERRED_WRITE: True})
            self._deferred = True

    def lock_slots(self, slot_ids: list[int]) -> None:
        """Lock the slots and refresh the ORM slots already loaded in this unit of work."""
        self._end_deferred_read()
        lock_slots(self.session, slot_ids)

    def lock_slot_rows(self, slots: Sequence[Any]) -> list[Any]:
        """The slots (Core rows, storage.booking_rows), current and held against concurrent bookings
        until the transaction ends. In a write batch this unit of work has held SQLite's write lock
        since it began, so the rows it read are current already; elsewhere they are read again."""
        if self._batch is not None:
            return list(slots)
        self._end_deferred_read()
        return self.rows.lock_slots([slot.id for slot in slots])

    def _end_deferred_read(self) -> None:
        if not self._deferred:
            return
        self._deferred = False
        if self.session.new or self.session.dirty or self.session.deleted:
            raise RuntimeError("a deferred unit of work must not change anything before it locks")
        self.session.commit()  # ends the read; the next statement begins IMMEDIATE, behind the gate

    def lock_offering(self, offering_id: int) -> None:
        lock_offering(self.session, offering_id)

    def commit(self) -> None:
        if self._orm_began():
            self.session.commit()
        if self._batch is not None and self._savepoint:
            self._batch.dialect.do_release_savepoint(self._batch, self._savepoint)
        self._batch = self._joined = None  # from here on statements go through the session, as outside a batch
        self.committed = True

    def _orm_began(self) -> bool:
        """Outside a batch, always (the session holds the transaction). In a batch, whether any ORM
        work began: a booking's Core statements alone leave the session without a transaction, or
        never make one."""
        if self._batch is None:
            return True
        if not self._session_made():
            return False
        session = self.session
        return session.in_transaction() or bool(session.new) or bool(session.deleted)

    def rollback(self) -> None:
        if self._session_made():
            self.session.rollback()
        self._undo_in_batch()

    def _undo_in_batch(self) -> None:
        """Undo what this unit of work wrote in its batch: back to its savepoint, or, without one,
        spoil the batch's run if it wrote anything (storage.write_batch)."""
        if self._batch is None:
            return
        if self._savepoint:
            self._batch.dialect.do_rollback_to_savepoint(self._batch, self._savepoint)
        elif self._joined is not None and self._joined.changes() != self._changes_at_start:
            self._joined.spoiled = True

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self.write and not self.committed and self._session_made():
                self.session.rollback()
        finally:
            if self._session_made():
                self.session.close()  # first: the session's own savepoint, if it began one, is inside ours
            if self._batch is not None:  # not committed: nothing it wrote stays
                self._undo_in_batch()
                if self._savepoint:
                    self._batch.dialect.do_release_savepoint(self._batch, self._savepoint)
            if self._reading is not None:
                self._reading.close()
