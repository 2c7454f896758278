"""What the delivery worker delivers the outbox through: webhooks, email (docs/notifications.md).

The worker fans each new outbox event out to every channel (in its database transaction: a
channel renders what it will send from the facts as they are then), stores one delivery per
addressed message, and later sends each delivery, retrying with back-off until it is delivered or
given up. A send is I/O only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection


@dataclass(frozen=True)
class OutboxEvent:
    """One recorded domain event (a row of the events table) as the worker reads it."""

    id: int
    tenant_id: int
    type: str  # the events table's `action`: an EventType or a catalog_event()
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str
    channel: str  # the API or page the change came through
    at: datetime


@dataclass(frozen=True)
class Addressed:
    """One message a channel will send for an event: to whom, and its JSON-able payload."""

    target: str  # e.g. "endpoint:12", "person:345"
    payload: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    id: int
    tenant_id: int
    event_id: int
    channel: str
    target: str
    payload: dict[str, Any]
    attempt: int  # 1 on the first try


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool  # False: give up now (e.g. the recipient cannot exist)
    status: int | None = None  # HTTP status or SMTP reply code
    detail: str = ""


class DeliveryChannel(Protocol):
    name: str  # "webhook", "email"
    in_turn: bool  # one target's deliveries are sent one after another, in the order of their events

    def fan_out(self, connection: Connection, event: OutboxEvent) -> list[Addressed]: ...

    async def send(self, delivery: Delivery) -> Outcome: ...
