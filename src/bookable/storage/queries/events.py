"""The recorded events, read in the order a consumer can rely on (the feed behind
`GET /api/v1/events?after=ID` and the delivery worker).

Ids are taken when an event is inserted, not when its transaction commits. On SQLite writers take
turns, so the ids become visible in order. On PostgreSQL a transaction that took id 41 may commit
after one that took id 42; a reader that had moved past 42 would never see 41. So each event
records the transaction that wrote it (`xact`, a column default), and the feed shows only events
written by transactions older than every transaction still running (`pg_snapshot_xmin`).

That rule alone is not enough for a reader that moves a cursor past what it read (the delivery
worker): a transaction gets its id (`xact`) at its first write and its event id later, so a newer
transaction may hold a lower event id than an older one that has already committed. The worker
reads up to a SettledHorizon instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, literal_column, select, text

from bookable.storage import models as m

_events = m.EventRecord.__table__
_EVENT_COLUMNS = (_events.c.id, _events.c.tenant_id, _events.c.actor, _events.c.channel, _events.c.action,
                  _events.c.entity, _events.c.entity_id, _events.c.before, _events.c.after, _events.c.at)
_SETTLED_XACT: ColumnElement[int] = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def settled_after(connection: Connection, tenant_id: int | None, after_id: int, limit: int,
                  up_to: int | None = None) -> Sequence[Any]:
    """Events with an id above `after_id`, oldest first, that no running transaction can precede:
    of one tenant, or of every tenant (None: the delivery worker). `up_to`: a SettledHorizon's, in
    place of the rule of one look."""
    query = select(*_EVENT_COLUMNS).where(_events.c.id > bindparam("after_id"))
    if tenant_id is not None:
        query = query.where(_events.c.tenant_id == tenant_id)
    return connection.execute(_settled(connection, query, limit, up_to), {"after_id": after_id}).all()


def settled_ids_after(connection: Connection, after_id: int, limit: int, up_to: int | None = None) -> list[int]:
    """The ids of settled_after(every tenant): what a reader that needs none of the events passes."""
    query = select(_events.c.id).where(_events.c.id > bindparam("after_id"))
    return list(connection.scalars(_settled(connection, query, limit, up_to), {"after_id": after_id}))


def _settled(connection: Connection, query: Any, limit: int, up_to: int | None) -> Any:
    if up_to is not None:
        query = query.where(_events.c.id <= up_to)
    elif connection.dialect.name == "postgresql":
        query = query.where(_events.c.xact < _SETTLED_XACT)
    return query.order_by(_events.c.id).limit(limit)


_LOOK = text("SELECT (SELECT coalesce(max(id), 0) FROM events) AS last_id, "
             "pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS oldest_running")
_OWN_XACT = text("SELECT pg_current_xact_id()::text::bigint")


@dataclass(frozen=True)
class _Look:
    last_id: int
    """The highest event id committed when the reader looked."""
    later_xact: int
    """A transaction id handed out just after the look: every transaction running then has a lower one."""


class SettledHorizon:
    """The id up to which every event is final (committed, or rolled back for good), for a reader
    that looks again and again (the delivery worker).

    On PostgreSQL each look notes the highest committed event id, then the id of the reader's own
    transaction, handed out after the look. A transaction that holds a lower event id, not
    committed yet, took it before the look, after its first write had given it its transaction id:
    a lower one than the reader's. Once no transaction below the reader's runs any more, every id
    up to the noted one is final. (Only an event inserted as its transaction's very first write
    takes its id a moment before its transaction id, in the same row's defaults: a window of a few
    instructions.) So a look pays off at a later call, and `up_to` belongs first in a write
    transaction, which takes a transaction id anyway. On SQLite writers take turns: every event it
    shows is final."""

    KEPT = 64
    """Looks still waiting for older transactions; more are dropped, oldest first (which only delays)."""

    def __init__(self) -> None:
        self._looks: list[_Look] = []
        self._reached = 0

    def up_to(self, connection: Connection) -> int:
        if connection.dialect.name != "postgresql":
            return last_id(connection)
        now = connection.execute(_LOOK).one()
        own = int(connection.execute(_OWN_XACT).scalar_one())
        self._reached = max([self._reached, *(look.last_id for look in self._looks
                                              if look.later_xact <= now.oldest_running)])
        looks = [*self._looks, _Look(int(now.last_id), own)]
        self._looks = [look for look in looks if look.last_id > self._reached][-self.KEPT:]
        return self._reached


def last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(_events.c.id), 0))).scalar_one())
