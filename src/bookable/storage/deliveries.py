"""The delivery worker's SQL (notifications.worker): its cursor over the outbox, the deliveries it
fans events out to, claims, and records the outcome of; and what the native API shows of them.

Claims work the same on both databases: one UPDATE ... RETURNING of the due rows that nobody holds
(`claimed_until` empty or past). On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so
workers claiming at the same moment take different rows instead of queueing behind each other; on
SQLite the claim runs in a write transaction, which holds the database's only write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, and_, bindparam, delete, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bookable.storage import models as m

CURSOR_NAME = "deliveries"
PENDING, DELIVERED, FAILED, GIVEN_UP = "pending", "delivered", "failed", "given_up"
RETRYING = (PENDING, FAILED)
"""Still to be sent: never tried yet, or tried and failed and to be tried again."""

_deliveries = cast(Table, m.DeliveryRecord.__table__)
_cursors = cast(Table, m.OutboxCursor.__table__)
_events = cast(Table, m.EventRecord.__table__)
_SENT_COLUMNS = (_deliveries.c.id, _deliveries.c.tenant_id, _deliveries.c.event_id, _deliveries.c.channel,
                 _deliveries.c.target, _deliveries.c.payload, _deliveries.c.attempts, _deliveries.c.retry_until)


def lock_cursor(connection: Connection, now: datetime) -> int | None:
    """The last event id fanned out, held until this transaction ends; None while another worker
    holds it (PostgreSQL: that worker is fanning out now, this one does not wait for it)."""
    query = select(_cursors.c.last_event_id).where(_cursors.c.name == CURSOR_NAME)
    found = connection.execute(query.with_for_update(skip_locked=True)).first()
    if found is not None:
        return int(found[0])
    if connection.execute(query).first() is not None:
        return None  # it exists, locked by another worker
    _insert_ignoring_duplicates(connection, _cursors, [{"name": CURSOR_NAME, "last_event_id": 0, "updated_at": now}])
    found = connection.execute(query.with_for_update(skip_locked=True)).first()
    return None if found is None else int(found[0])


def cursor_position(connection: Connection) -> int:
    found = connection.execute(select(_cursors.c.last_event_id).where(_cursors.c.name == CURSOR_NAME)).first()
    return 0 if found is None else int(found[0])


def advance_cursor(connection: Connection, last_event_id: int, now: datetime) -> None:
    connection.execute(update(_cursors).where(_cursors.c.name == CURSOR_NAME)
                       .values(last_event_id=last_event_id, updated_at=now))


def add(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """New deliveries; one that exists already (same event, channel and target) is left as it is."""
    if rows:
        _insert_ignoring_duplicates(connection, _deliveries, rows)


def _insert_ignoring_duplicates(connection: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    maker = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(maker(table).on_conflict_do_nothing(), list(rows))


def new_delivery(event_id: int, tenant_id: int, channel: str, target: str, payload: dict[str, Any],
                 now: datetime, retry_until: datetime) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "event_id": event_id, "channel": channel, "target": target, "payload": payload,
            "status": PENDING, "attempts": 0, "next_attempt_at": now, "retry_until": retry_until,
            "last_detail": "", "created_at": now}


def _due(now: datetime) -> Any:
    return and_(_deliveries.c.status.in_(RETRYING), _deliveries.c.next_attempt_at <= now,
                or_(_deliveries.c.claimed_until.is_(None), _deliveries.c.claimed_until < now))


def claim_due(connection: Connection, now: datetime, lease_until: datetime, worker: str,
              limit: int) -> Sequence[Row[Any]]:
    """Up to `limit` due deliveries nobody holds, now held by `worker` until `lease_until`, their
    attempt counted."""
    picked = (select(_deliveries.c.id).where(_due(now)).order_by(_deliveries.c.next_attempt_at, _deliveries.c.id)
              .limit(limit).with_for_update(skip_locked=True))
    claim = (update(_deliveries).where(_deliveries.c.id.in_(picked.scalar_subquery()))
             .values(claimed_until=lease_until, claimed_by=worker, attempts=_deliveries.c.attempts + 1)
             .returning(*_SENT_COLUMNS))
    return sorted(connection.execute(claim).all(), key=lambda row: row.id)


def any_due(connection: Connection, now: datetime) -> bool:
    return connection.execute(select(_deliveries.c.id).where(_due(now)).limit(1)).first() is not None


@dataclass(frozen=True)
class Attempt:
    """How one try of a delivery ended, as the worker records it."""

    delivery_id: int
    status: str
    status_code: int | None
    detail: str
    next_attempt_at: datetime | None
    at: datetime


def record(connection: Connection, worker: str, attempt: Attempt) -> bool:
    """The outcome of a try, if `worker` still holds the delivery (False: its lease ran out and
    another worker took it over, whose outcome counts)."""
    values: dict[str, Any] = {"status": attempt.status, "last_status_code": attempt.status_code,
                              "last_detail": attempt.detail[:500], "last_attempt_at": attempt.at,
                              "claimed_until": None, "claimed_by": None}
    if attempt.next_attempt_at is not None:
        values["next_attempt_at"] = attempt.next_attempt_at
    if attempt.status == DELIVERED:
        values["delivered_at"] = attempt.at
    done = connection.execute(update(_deliveries).where(_deliveries.c.id == attempt.delivery_id,
                                                        _deliveries.c.claimed_by == worker).values(values))
    return done.rowcount == 1


_RECORD_MANY = (
    update(_deliveries)
    .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.claimed_by == bindparam("b_worker"))
    .values(status=bindparam("b_status"), last_status_code=bindparam("b_code"), last_detail=bindparam("b_detail"),
            last_attempt_at=bindparam("b_at"), claimed_until=None, claimed_by=None,
            next_attempt_at=func.coalesce(bindparam("b_next", type_=m.UtcDateTime()), _deliveries.c.next_attempt_at),
            delivered_at=func.coalesce(bindparam("b_delivered", type_=m.UtcDateTime()), _deliveries.c.delivered_at))
)


def record_many(connection: Connection, worker: str, attempts: Sequence[Attempt]) -> None:
    """record() of many tries in one executemany; a try whose lease `worker` lost changes nothing.
    For outcomes that need to know whether they were recorded (giving up), use record()."""
    if attempts:
        connection.execute(_RECORD_MANY, [
            {"b_id": a.delivery_id, "b_worker": worker, "b_status": a.status, "b_code": a.status_code,
             "b_detail": a.detail[:500], "b_at": a.at, "b_next": a.next_attempt_at,
             "b_delivered": a.at if a.status == DELIVERED else None} for a in attempts])


def redeliver(connection: Connection, tenant_id: int, delivery_id: int, now: datetime,
              retry_until: datetime) -> bool:
    """Send one delivery again as soon as a worker is free, whatever became of it; False while a
    worker is sending it."""
    done = connection.execute(
        update(_deliveries)
        .where(_deliveries.c.id == delivery_id, _deliveries.c.tenant_id == tenant_id,
               or_(_deliveries.c.claimed_until.is_(None), _deliveries.c.claimed_until < now))
        .values(status=PENDING, next_attempt_at=now, retry_until=retry_until, claimed_until=None,
                claimed_by=None))
    return done.rowcount == 1


def one(connection: Connection, tenant_id: int, delivery_id: int) -> Row[Any] | None:
    return connection.execute(select(_deliveries).where(_deliveries.c.id == delivery_id,
                                                        _deliveries.c.tenant_id == tenant_id)).first()


def log_of(connection: Connection, tenant_id: int, channel: str, target: str, before_id: int | None,
           limit: int) -> Sequence[Row[Any]]:
    """A target's deliveries, newest first, below `before_id` when given."""
    query = select(_deliveries).where(_deliveries.c.tenant_id == tenant_id, _deliveries.c.channel == channel,
                                      _deliveries.c.target == target)
    if before_id is not None:
        query = query.where(_deliveries.c.id < before_id)
    return connection.execute(query.order_by(_deliveries.c.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class Backlog:
    """What is still to be delivered, of one tenant or of all (tenant None)."""

    cursor: int
    last_event_id: int
    oldest_undelivered_at: datetime | None
    counts: dict[str, int]


def backlog(connection: Connection, tenant_id: int | None) -> Backlog:
    cursor = cursor_position(connection)
    in_tenant = (lambda table: table.c.tenant_id == tenant_id) if tenant_id is not None else (lambda table: true())
    last = connection.execute(select(func.max(_events.c.id)).where(in_tenant(_events))).scalar()
    unread = connection.execute(select(func.min(_events.c.at)).where(
        in_tenant(_events), _events.c.id == select(func.min(_events.c.id)).where(
            in_tenant(_events), _events.c.id > cursor).scalar_subquery())).scalar()
    unsent = connection.execute(select(func.min(_events.c.at)).select_from(
        _deliveries.join(_events, _events.c.id == _deliveries.c.event_id)).where(
        in_tenant(_deliveries), _deliveries.c.status.in_(RETRYING))).scalar()
    by_status = select(_deliveries.c.status, func.count()).where(in_tenant(_deliveries)).group_by(_deliveries.c.status)
    counts: dict[str, int] = {row[0]: int(row[1]) for row in connection.execute(by_status)}
    oldest = min((at for at in (unread, unsent) if at is not None), default=None)
    return Backlog(cursor, int(last or 0), oldest,
                   {status: int(counts.get(status, 0)) for status in (PENDING, FAILED, DELIVERED, GIVEN_UP)})


def purge_finished(connection: Connection, before: datetime, limit: int) -> int:
    """Delete up to `limit` deliveries that are done with (delivered or given up) and last tried
    before `before`, oldest first; how many. Pending and failed ones are never touched."""
    last_touched = func.coalesce(_deliveries.c.last_attempt_at, _deliveries.c.delivered_at, _deliveries.c.created_at)
    oldest = (select(_deliveries.c.id).where(_deliveries.c.status.in_((DELIVERED, GIVEN_UP)), last_touched < before)
              .order_by(_deliveries.c.id).limit(limit))
    ids = list(connection.scalars(oldest))
    if not ids:
        return 0
    connection.execute(delete(_deliveries).where(_deliveries.c.id.in_(ids)))
    return len(ids)
