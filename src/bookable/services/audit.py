"""Every change writes an audit entry: who, through which API, what changed."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from bookable.observability import metrics
from bookable.services.actor import Actor, utc_now
from bookable.storage.unit_of_work import UnitOfWork


def snapshot(row: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


_AS_IS = (int, str, bool, float, type(None))
_AS_ISO = (datetime, date, time)


def _plain(value: Any) -> Any:
    if type(value) in _AS_IS:  # most values: checked first, and without a union built per call
        return value
    if isinstance(value, _AS_ISO):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    uow.rows.insert_audit({
        "tenant_id": actor.tenant_id, "actor": actor.name, "channel": actor.channel.value, "action": action,
        "entity": entity, "entity_id": entity_id, "before": before, "after": after, "at": utc_now(),
    })
    if entity == "booking":
        metrics.booking_audited(action, after)
