"""How far behind the delivery worker is: for the native API (one tenant) and the metrics (all)."""

from __future__ import annotations

from dataclasses import dataclass

from bookable.domain.actors import utc_now
from bookable.observability import metrics
from bookable.storage import deliveries
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OutboxStatus:
    last_event_id: int
    fanned_out_to: int
    oldest_undelivered_age_seconds: float
    counts: dict[str, int]


def outbox_status(uow: UnitOfWork) -> OutboxStatus:
    backlog = deliveries.backlog(uow.connection(), uow.tenant_id)
    return _status(backlog)


def _status(backlog: deliveries.Backlog) -> OutboxStatus:
    age = 0.0
    if backlog.oldest_undelivered_at is not None:
        age = max(0.0, (utc_now() - backlog.oldest_undelivered_at).total_seconds())
    return OutboxStatus(backlog.last_event_id, backlog.cursor, round(age, 3), backlog.counts)


def publish_metrics(database: Database) -> None:
    """Set the outbox gauges from the database (at each scrape: right whichever process delivers)."""
    with database.read_engine.connect() as connection, connection.begin():
        status = _status(deliveries.backlog(connection, None))
    metrics.outbox_backlog(status.oldest_undelivered_age_seconds, status.counts)
