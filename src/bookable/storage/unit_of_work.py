"""One request = one unit of work = one transaction. Services never commit; callers do."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bookable.storage import repositories as r
from bookable.storage.booking_rows import BookingRows
from bookable.storage.database import Database
from bookable.storage.locking import DEFERRED_WRITE, lock_offering, lock_slots


class UnitOfWork:
    def __init__(self, database: Database, tenant_id: int, *, write: bool = True) -> None:
        self.database = database
        self.tenant_id = tenant_id
        self.write = write
        self.session: Session
        self._deferred = False

    def __enter__(self) -> UnitOfWork:
        self.session = self.database.session(write=self.write)
        self.committed = False
        self.tenants = r.Tenants(self.session)
        self.offerings = r.Offerings(self.session, self.tenant_id)
        self.bookings = r.Bookings(self.session, self.tenant_id)
        self.people = r.People(self.session, self.tenant_id)
        self.audit = r.Audit(self.session, self.tenant_id)
        self.catalog = r.TenantScoped(self.session, self.tenant_id)
        self.loads = r.Loads(self.session)
        self.rows = BookingRows(self.session, self.tenant_id)
        return self

    def defer_write_lock(self) -> None:
        """SQLite: read without the database write lock until lock_slots(), so that only counting
        and writing are serialised. Only a caller that re-checks after lock_slots() what it read
        before may use it; a no-op once the transaction has begun, and on PostgreSQL (row locks)."""
        in_batch = self.database.write_batch_connection() is not None  # already under the lock
        if self.write and self.database.is_sqlite and not in_batch and not self.session.in_transaction():
            self.session.connection(execution_options={DEFERRED_WRITE: True})
            self._deferred = True

    def lock_slots(self, slot_ids: list[int]) -> None:
        """Lock the slots and refresh the ORM slots already loaded in this unit of work."""
        self._end_deferred_read()
        lock_slots(self.session, slot_ids)

    def lock_slot_rows(self, slot_ids: list[int]) -> list[Row[Any]]:
        """Lock the slots and return them freshly read, as Core rows (storage.booking_rows)."""
        self._end_deferred_read()
        return self.rows.lock_slots(slot_ids)

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
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.write and not self.committed:
            self.session.rollback()
        self.session.close()
