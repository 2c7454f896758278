"""The recorded events, read in the order a consumer can rely on (the feed behind
`GET /api/v1/events?after=ID` and the delivery worker).

Ids are taken when an event is inserted, not when its transaction commits. On SQLite writers take
turns, so the ids become visible in order. On PostgreSQL a transaction that took id 41 may commit
after one that took id 42; a reader that had moved past 42 would never see 41. So each event
records the transaction that wrote it (`xact`, a column default), and the feed shows only events
written by transactions older than every transaction still running (`pg_snapshot_xmin`): whatever
it shows, no lower id can appear later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, literal_column, select

from bookable.storage import models as m

_events = m.EventRecord.__table__
_EVENT_COLUMNS = (_events.c.id, _events.c.tenant_id, _events.c.actor, _events.c.channel, _events.c.action,
                  _events.c.entity, _events.c.entity_id, _events.c.before, _events.c.after, _events.c.at)
_SETTLED_XACT: ColumnElement[int] = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def settled_after(connection: Connection, tenant_id: int | None, after_id: int, limit: int) -> Sequence[Any]:
    """Events with an id above `after_id`, oldest first, that no running transaction can precede:
    of one tenant, or of every tenant (None: the delivery worker)."""
    query = select(*_EVENT_COLUMNS).where(_events.c.id > bindparam("after_id"))
    if tenant_id is not None:
        query = query.where(_events.c.tenant_id == tenant_id)
    return connection.execute(_settled(connection, query, limit), {"after_id": after_id}).all()


def settled_ids_after(connection: Connection, after_id: int, limit: int) -> list[int]:
    """The ids of settled_after(every tenant): what a reader that needs none of the events passes."""
    query = select(_events.c.id).where(_events.c.id > bindparam("after_id"))
    return list(connection.scalars(_settled(connection, query, limit), {"after_id": after_id}))


def _settled(connection: Connection, query: Any, limit: int) -> Any:
    if connection.dialect.name == "postgresql":
        query = query.where(_events.c.xact < _SETTLED_XACT)
    return query.order_by(_events.c.id).limit(limit)


def last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(_events.c.id), 0))).scalar_one())
