"""One use case = one unit of work = one transaction. Services never commit; whoever runs the use
case does (api.context.RequestContext, or the CLI).

A unit of work holds its transaction in one of two ways (storage.transactions):
- its own: a connection and a transaction begun on it (a SQLite write begins IMMEDIATE, behind
  the writer gate: it holds the database's write lock from its first statement);
- a share of a write batch (storage.write_batch, ADR 0010; storage.postgres_batch, ADR 0026):
  the batch's connection and transaction, which this unit of work may not commit, only leave or
  undo.
Either way Core statements run on `connection()`, and the ORM session, made at its first use,
joins that transaction.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bookable.domain.actors import Actor, utc_now
from bookable.domain.events import DomainEvent
from bookable.storage import repositories as r
from bookable.storage.booking_store import BookingStore
from bookable.storage.database import Database
from bookable.storage.events import EventLog
from bookable.storage.loads import Loads
from bookable.storage.locking import lock_offering, lock_slots
from bookable.storage.transactions import Transaction, transaction_for
from bookable.storage.zones import TENANT_ZONES


class UnitOfWork:
    def __init__(self, database: Database, tenant_id: int, *, write: bool = True) -> None:
        self.database = database
        self.tenant_id = tenant_id
        self.write = write

    def __enter__(self) -> UnitOfWork:
        self._transaction: Transaction = transaction_for(self.database, write=self.write)
        self.booking_store = BookingStore(self.connection, self.tenant_id, self.zone,
                                          holds_write_lock=self.write and self.database.is_sqlite,
                                          may_wait=self._transaction.may_wait)
        self.events = EventLog(self.connection, deferred=self.write and not self.database.is_sqlite)
        self.recorded: list[DomainEvent] = []
        return self

    def connection(self) -> Connection:
        """Where Core statements run, in this unit of work's transaction: they see the ORM's changes
        made so far (flushed first)."""
        session = self.__dict__.get("session")
        if session is not None and (session.new or session.dirty or session.deleted):
            session.flush()
        return self._transaction.connection

    @cached_property
    def loads(self) -> Loads:
        return Loads(self.connection)

    @cached_property
    def session(self) -> Session:
        """Made at the first ORM use: a booking runs Core statements only."""
        return self._transaction.session(write=self.write)

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
        """The tenant's IANA time zone (storage.zones.TENANT_ZONES: remembered per database)."""
        return TENANT_ZONES.zone(self.database, tenant_id, lambda: self.tenants.zone(tenant_id))

    def record(self, actor: Actor, event: DomainEvent, at: datetime | None = None) -> None:
        """Write a domain event in this unit of work's transaction: it stands if and only if the
        change it records is committed."""
        self.events.record(actor, event, at or utc_now())
        self.recorded.append(event)

    def lock_slots(self, slot_ids: list[int]) -> None:
        """Hold the slots against concurrent bookings, and refresh the ORM slots already loaded."""
        lock_slots(self.session, slot_ids, may_wait=self._transaction.may_wait)

    def lock_offering(self, offering_id: int) -> None:
        lock_offering(self.session, offering_id, may_wait=self._transaction.may_wait)

    def commit(self) -> None:
        self._transaction.commit(self._session_if_made(), self.events.held_back)
        self.committed = True

    def rollback(self) -> None:
        self.events.held_back.clear()
        self._transaction.rollback(self._session_if_made())

    def _session_if_made(self) -> Session | None:
        return self.__dict__.get("session")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._transaction.close(self._session_if_made(), committed=getattr(self, "committed", False))
        for name in ("booking_store", "events", "loads"):  # they call back into this unit of work:
            self.__dict__.pop(name, None)  # freed now, not left as cycles for the garbage collector
