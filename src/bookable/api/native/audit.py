"""The audit log: who changed what, through which API. Admins only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.api.native.representations import local_iso, zone_of
from bookable.api.native.values import Id
from bookable.storage import models as m
from bookable.storage.queries import native as q

router = APIRouter(prefix=f"{PREFIX}/audit", tags=["audit"], route_class=DirectRoute)


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str = Field(description="User name, `apikey:<name>`, or the member's login.")
    channel: str = Field(description="native, views, bookingbug, brp, ym or cli.")
    action: str = Field(description="e.g. booking.created, booking.cancelled, offering.updated.")
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def render(row: m.AuditEntry, zone: str) -> AuditOut:
    return AuditOut(id=row.id, at=local_iso(row.at, zone) or "", actor=row.actor, channel=row.channel,
                    action=row.action, entity=row.entity, entity_id=row.entity_id, before=row.before,
                    after=row.after)


@router.get("", response_model=PageOut[AuditOut], description="Oldest first; follow `next_cursor` to tail it.")
def list_audit(
    who: Caller = Depends(admin), paging: PageParams = Depends(),
    entity: str | None = Query(None, max_length=32, description="booking, offering, slot, person, product ..."),
    entity_id: Id | None = None, action: str | None = Query(None, max_length=64),
) -> JsonResponse:
    with who.uow(write=False) as uow:
        zone = zone_of(uow)
        rows = q.audit_page(uow.session, uow.tenant_id, paging.page(decode_id), entity=entity, entity_id=entity_id,
                            action=action)
        items, cursor = paging.split(rows, id_key)
        return JsonResponse(PageOut[AuditOut](items=[render(row, zone) for row in items], next_cursor=cursor))
