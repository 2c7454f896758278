"""The event log: domain events written in the change's own transaction, one Core insert each on
the unit of work's connection, so that an event exists if and only if its change committed (a
rolled-back change leaves none). They are read in order by storage.queries.events.

A unit of work on PostgreSQL holds its events back (`deferred`) and sends them with its COMMIT, in
one round trip (storage.round_trips); they are checked and bound when recorded all the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from bookable.domain.actors import Actor
from bookable.domain.events import DomainEvent
from bookable.storage import models as m
from bookable.storage.prepared import Prepared

EVENT_VALUES = ("tenant_id", "actor", "channel", "action", "entity", "entity_id", "before", "after", "at")
INSERT_EVENT = Prepared(insert(m.EventRecord).inline(), column_keys=EVENT_VALUES)
"""inline(): no RETURNING of the new id, which nothing reads; a batch's event inserts then join
into one statement (storage.round_trips)."""


class EventLog:
    """The events of one unit of work's transaction."""

    def __init__(self, connection: Callable[[], Connection], *, deferred: bool = False) -> None:
        self._connection = connection
        self._deferred = deferred
        self.held_back: list[tuple[str, Any]] = []

    def record(self, actor: Actor, event: DomainEvent, at: datetime) -> None:
        values = {"tenant_id": actor.tenant_id, "actor": actor.name, "channel": actor.channel, "action": event.type,
                  "entity": event.entity, "entity_id": event.entity_id, "before": event.before,
                  "after": event.after, "at": at}
        if self._deferred:
            self.held_back.append(INSERT_EVENT.bound(self._connection(), values))
        else:
            INSERT_EVENT.all(self._connection(), values)
