"""The recorded events, read in the order a consumer can rely on (the feed behind
`GET /api/v1/events?after=ID` and the delivery worker).

Ids are taken when an event is inserted, not when its transaction commits. On SQLite writers take
turns, so the ids become visible in order. On PostgreSQL a transaction that took id 41 may commit
after one that took id 42; a reader that had moved past 42 would never see 41. Nor is the order of
transaction ids (`xact`, a column default) the order of event ids: a transaction gets its xact at
its first write and its event id later, so a newer transaction may hold a lower event id than an
older one that has already committed. So a reader shows events only up to an id below which every
event is final: the feed waits, once, for the transactions running when it looked (final_id); the
delivery worker, which looks again and again, keeps its looks until they are final
(SettledHorizon).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text

from bookable.storage import models as m

_events = m.EventRecord.__table__
_EVENT_COLUMNS = (_events.c.id, _events.c.tenant_id, _events.c.actor, _events.c.channel, _events.c.action,
                  _events.c.entity, _events.c.entity_id, _events.c.before, _events.c.after, _events.c.at)


def feed_page(connection: Connection, tenant_id: int, after_id: int, limit: int) -> Sequence[Any]:
    """A tenant's events with an id above `after_id`, oldest first, none that a lower id could still
    precede (final_id)."""
    final = final_id(connection)
    return [] if final is None else settled_after(connection, tenant_id, after_id, limit, final)


def settled_after(connection: Connection, tenant_id: int | None, after_id: int, limit: int,
                  up_to: int) -> Sequence[Any]:
    """Events with an id above `after_id` and at most `up_to` (an id below which every event is
    final), oldest first: of one tenant, or of every tenant (None: the delivery worker)."""
    query = select(*_EVENT_COLUMNS).where(_events.c.id > bindparam("after_id"))
    if tenant_id is not None:
        query = query.where(_events.c.tenant_id == tenant_id)
    return connection.execute(_up_to(query, limit, up_to), {"after_id": after_id}).all()


def settled_ids_after(connection: Connection, after_id: int, limit: int, up_to: int) -> list[int]:
    """The ids of settled_after(every tenant): what a reader that needs none of the events passes."""
    query = select(_events.c.id).where(_events.c.id > bindparam("after_id"))
    return list(connection.scalars(_up_to(query, limit, up_to), {"after_id": after_id}))


def _up_to(query: Any, limit: int, up_to: int) -> Any:
    return query.where(_events.c.id <= up_to).order_by(_events.c.id).limit(limit)


_LOOK = text("SELECT (SELECT coalesce(max(id), 0) FROM events) AS last_id, "
             "pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS oldest_running")
_OWN_XACT = text("SELECT pg_current_xact_id()::text::bigint")
_OLDEST_RUNNING = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


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


FINAL_WAIT_SECONDS = 0.25
"""How long a feed read waits for the transactions running when it looked (usually milliseconds)."""


def final_id(connection: Connection) -> int | None:
    """An id up to which every event is final, for a reader that looks once (the feed): the highest
    committed when it looks, once every transaction older than a transaction id handed out after
    the look (its own) has ended: any that holds a lower id, not committed yet, is one of them.
    None if one still runs after FINAL_WAIT_SECONDS: the reader shows nothing new then, and a later
    look will. SQLite's writers take turns: what it shows is final."""
    if connection.dialect.name != "postgresql":
        return last_id(connection)
    looked = int(connection.execute(_LOOK).one().last_id)
    own = int(connection.execute(_OWN_XACT).scalar_one())
    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    while int(connection.execute(_OLDEST_RUNNING).scalar_one()) < own:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.002)
    return looked


def last_id(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(_events.c.id), 0))).scalar_one())
