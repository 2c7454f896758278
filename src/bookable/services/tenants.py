"""A tenant's settings, read by its staff and changed by its admins: what the whole organisation's
bookings obey (the member booking limit) and how it is shown (name, currency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookable.domain.actors import Actor
from bookable.domain.errors import NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType, snapshot
from bookable.domain.offering import MAX_SPACES
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

SETTINGS = ("name", "currency", "max_upcoming_bookings")
"""What a tenant's admin may change here (its slug, zone and ClientID are the operator's)."""


def settings_of(uow: UnitOfWork, tenant_id: int) -> m.Tenant:
    tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found.", field="tenant")
    return tenant


def change_settings(uow: UnitOfWork, actor: Actor, changes: Mapping[str, Any]) -> m.Tenant:
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise ValidationError(f"{unknown[0]} is not a tenant setting.", field=unknown[0])
    _check(changes)
    tenant = settings_of(uow, actor.tenant_id)
    before = snapshot(tenant, SETTINGS)
    for name, value in changes.items():
        setattr(tenant, name, value)
    uow.record(actor, DomainEvent(EventType.TENANT_UPDATED, "tenant", tenant.id, before, snapshot(tenant, SETTINGS)))
    return tenant


def _check(changes: Mapping[str, Any]) -> None:
    name = changes.get("name")
    if "name" in changes and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        raise ValidationError("name must be 1 to 200 characters.", field="name")
    currency = changes.get("currency")
    if "currency" in changes and (not isinstance(currency, str) or len(currency) != 3 or not currency.isupper()):
        raise ValidationError("currency must be an ISO 4217 code such as SEK or GBP.", field="currency")
    limit = changes.get("max_upcoming_bookings")
    if limit is not None and not 1 <= limit <= MAX_SPACES:
        raise ValidationError(f"max_upcoming_bookings must be between 1 and {MAX_SPACES}, or null.",
                              field="max_upcoming_bookings")
