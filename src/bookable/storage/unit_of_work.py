"""One request = one unit of work = one transaction. Services never commit; callers do."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from bookable.storage import repositories as r
from bookable.storage.database import Database
from bookable.storage.locking import lock_slots


class UnitOfWork:
    def __init__(self, database: Database, tenant_id: int, *, write: bool = True) -> None:
        self.database = database
        self.tenant_id = tenant_id
        self.write = write
        self.session: Session

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
        return self

    def lock_slots(self, slot_ids: list[int]) -> None:
        lock_slots(self.session, slot_ids)

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
