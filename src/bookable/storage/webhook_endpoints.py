"""Webhook endpoints as the delivery worker reads them: which ones an event goes to, and where and
with which secret one delivery is sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, select, update

from bookable.storage import models as m

_endpoints = cast(Table, m.WebhookEndpoint.__table__)


def subscribed(connection: Connection, tenant_id: int, event_type: str) -> list[int]:
    """The enabled endpoints of the tenant that subscribed to `event_type`, by id."""
    rows = connection.execute(select(_endpoints.c.id, _endpoints.c.event_types).where(
        _endpoints.c.tenant_id == tenant_id, _endpoints.c.enabled.is_(True)).order_by(_endpoints.c.id)).all()
    return [row.id for row in rows if event_type in (row.event_types or ())]


def any_enabled(connection: Connection) -> bool:
    """Whether any tenant has an enabled endpoint."""
    return connection.scalar(select(_endpoints.c.id).where(_endpoints.c.enabled.is_(True)).limit(1)) is not None


def for_sending(connection: Connection, endpoint_id: int) -> Any:
    return connection.execute(select(_endpoints.c.id, _endpoints.c.url, _endpoints.c.secret, _endpoints.c.enabled)
                              .where(_endpoints.c.id == endpoint_id)).first()


def of_tenant(connection: Connection, tenant_id: int) -> Sequence[Row[Any]]:
    return connection.execute(select(_endpoints).where(_endpoints.c.tenant_id == tenant_id)
                              .order_by(_endpoints.c.id)).all()


def disable(connection: Connection, endpoint_id: int, reason: str, at: datetime) -> Row[Any] | None:
    """The endpoint as it was, now disabled; None if it is gone or was disabled already."""
    found = connection.execute(select(_endpoints).where(_endpoints.c.id == endpoint_id,
                                                        _endpoints.c.enabled.is_(True))).first()
    if found is None:
        return None
    connection.execute(update(_endpoints).where(_endpoints.c.id == endpoint_id)
                       .values(enabled=False, disabled_reason=reason, updated_at=at))
    return found
