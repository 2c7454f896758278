"""Managing a tenant's webhook endpoints (the native API's /webhooks): each change recorded as an
event like any other, never with the secret in it."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.errors import InvalidState, NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType, event_types
from bookable.notifications.addresses import AddressPolicy, RefusedAddress
from bookable.storage import deliveries
from bookable.storage import models as m
from bookable.storage import webhook_endpoints as endpoints
from bookable.storage.events import EventLog
from bookable.storage.unit_of_work import UnitOfWork

CHANNEL = "webhook"
WORKER_NAME = "delivery-worker"
SHOWN = ("url", "event_types", "enabled")
"""What an endpoint's events show of it (not its secret)."""


def target_of(endpoint_id: int) -> str:
    return f"endpoint:{endpoint_id}"


def endpoint_of(target: str) -> int:
    return int(target.partition(":")[2])


def new_secret() -> str:
    """24 random bytes, base64, with the prefix the Standard Webhooks libraries expect."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def checked_types(types: Sequence[str]) -> list[str]:
    known = set(event_types())
    unknown = [kind for kind in types if kind not in known]
    if unknown:
        raise ValidationError(f"unknown event types: {', '.join(unknown)} (docs/events.md lists them)",
                              field="event_types")
    if not types:
        raise ValidationError("give at least one event type", field="event_types")
    return list(dict.fromkeys(types))


def checked_url(policy: AddressPolicy, url: str) -> str:
    try:
        policy.checked_url(url)
    except RefusedAddress as refused:
        raise ValidationError(f"url: {refused}", field="url") from None
    return url.strip()


def screen(policy: AddressPolicy, url: str) -> None:
    """checked_url() with a lookup of the host name: run before the transaction, not inside it."""
    try:
        policy.screen(url)
    except RefusedAddress as refused:
        raise ValidationError(f"url: {refused}", field="url") from None


def create(uow: UnitOfWork, actor: Actor, policy: AddressPolicy, url: str, types: Sequence[str],
           enabled: bool) -> m.WebhookEndpoint:
    now = utc_now()
    endpoint = m.WebhookEndpoint(tenant_id=actor.tenant_id, url=checked_url(policy, url),
                                 event_types=checked_types(types), enabled=enabled, secret=new_secret(),
                                 created_at=now, updated_at=now)
    uow.session.add(endpoint)
    uow.session.flush()
    uow.record(actor, DomainEvent(EventType.WEBHOOK_ENDPOINT_CREATED, "webhook_endpoint", endpoint.id,
                                  after=_shown(endpoint)))
    return endpoint


def get(uow: UnitOfWork, endpoint_id: int) -> m.WebhookEndpoint:
    endpoint = uow.session.get(m.WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.tenant_id != uow.tenant_id:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def all_of(uow: UnitOfWork) -> list[m.WebhookEndpoint]:
    query = select(m.WebhookEndpoint).where(m.WebhookEndpoint.tenant_id == uow.tenant_id)
    return list(uow.session.scalars(query.order_by(m.WebhookEndpoint.id)))


def update(uow: UnitOfWork, actor: Actor, policy: AddressPolicy, endpoint_id: int,
           changes: Mapping[str, Any]) -> m.WebhookEndpoint:
    endpoint = get(uow, endpoint_id)
    before = _shown(endpoint)
    if "url" in changes:
        endpoint.url = checked_url(policy, changes["url"])
    if "event_types" in changes:
        endpoint.event_types = checked_types(changes["event_types"])
    if "enabled" in changes:
        endpoint.enabled = bool(changes["enabled"])
        if endpoint.enabled:
            endpoint.disabled_reason = None
    if _shown(endpoint) != before:
        endpoint.updated_at = utc_now()
        uow.record(actor, DomainEvent(EventType.WEBHOOK_ENDPOINT_UPDATED, "webhook_endpoint", endpoint.id,
                                      before=before, after=_shown(endpoint)))
    return endpoint


def delete(uow: UnitOfWork, actor: Actor, endpoint_id: int) -> None:
    endpoint = get(uow, endpoint_id)
    uow.record(actor, DomainEvent(EventType.WEBHOOK_ENDPOINT_DELETED, "webhook_endpoint", endpoint.id,
                                  before=_shown(endpoint)))
    uow.session.delete(endpoint)


def delivery_log(uow: UnitOfWork, endpoint_id: int, before_id: int | None, limit: int) -> Sequence[Any]:
    get(uow, endpoint_id)
    return deliveries.log_of(uow.connection(), uow.tenant_id, CHANNEL, target_of(endpoint_id), before_id, limit)


def redeliver(uow: UnitOfWork, endpoint_id: int, delivery_id: int, retry_for: timedelta) -> Any:
    """Send one delivery of the endpoint again, as soon as a worker is free."""
    endpoint = get(uow, endpoint_id)
    found = deliveries.one(uow.connection(), uow.tenant_id, delivery_id)
    if found is None or found.channel != CHANNEL or found.target != target_of(endpoint_id):
        raise NotFound("No such delivery of this endpoint.")
    if not endpoint.enabled:
        raise InvalidState("The endpoint is disabled: enable it first (PATCH enabled=true).")
    now = utc_now()
    if not deliveries.redeliver(uow.connection(), uow.tenant_id, delivery_id, now, now + retry_for):
        raise InvalidState("A worker is sending this delivery right now; try again in a moment.")
    return deliveries.one(uow.connection(), uow.tenant_id, delivery_id)


def disable(connection: Connection, endpoint_id: int, reason: str, at: datetime) -> None:
    """Called by the delivery worker, in its transaction, when it gives a delivery up: the endpoint
    is disabled, and the event tells staff (nothing happens if it was disabled already)."""
    before = endpoints.disable(connection, endpoint_id, reason[:500], at)
    if before is None:
        return
    shown = {"url": before.url, "event_types": list(before.event_types), "enabled": True}
    actor = Actor(before.tenant_id, WORKER_NAME, Role.ADMIN, Channel.WORKER)
    EventLog(lambda: connection).record(actor, DomainEvent(
        EventType.WEBHOOK_ENDPOINT_DISABLED, "webhook_endpoint", endpoint_id, before=shown,
        after={**shown, "enabled": False, "reason": reason[:500]}), at)


def _shown(endpoint: m.WebhookEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "event_types": list(endpoint.event_types), "enabled": endpoint.enabled}
