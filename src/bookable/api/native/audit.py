"""The recorded events (storage.events), read two ways:

- `/audit`: the audit log, for admins: who changed what, through which API, with filters;
- `/events?after=ID`: the event feed, for integrations (staff): every event in the order a
  consumer can rely on (no lower id appears after a higher one has been shown), to follow with
  `after` = the last id seen.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bookable.api.direct_route import DirectRoute
from bookable.api.ids import MAX_ID
from bookable.api.native.context import PREFIX, Caller, admin, staff
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.api.native.representations import epoch, local_iso, zone_of
from bookable.api.native.values import Id
from bookable.storage import models as m
from bookable.storage.queries import events
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=["audit"], route_class=DirectRoute)
MAX_EVENTS = 500


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str = Field(description="User name, `apikey:<name>`, or the member's login.")
    channel: str = Field(description="native, views, bookingbug, brp, ym, web or cli.")
    action: str = Field(description="The event type, e.g. booking.created, booking.cancelled, offering.updated.")
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class EventOut(BaseModel):
    id: int = Field(description="Stable and increasing: the `after` of the next request.")
    type: str = Field(description="e.g. booking.created, booking.promoted (docs/events.md).")
    occurred_at: int = Field(description="Unix seconds, UTC.")
    actor: str
    channel: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class EventsOut(BaseModel):
    items: list[EventOut]
    last_id: int = Field(description="The id to send as `after` next (the one sent, if nothing is new).")


def render(row: m.EventRecord, zone: str) -> AuditOut:
    return AuditOut(id=row.id, at=local_iso(row.at, zone) or "", actor=row.actor, channel=row.channel,
                    action=row.action, entity=row.entity, entity_id=row.entity_id, before=row.before,
                    after=row.after)


@router.get("/audit", response_model=PageOut[AuditOut], description="Oldest first; follow `next_cursor`.")
async def list_audit(
    who: Caller = Depends(admin), paging: PageParams = Depends(),
    entity: str | None = Query(None, max_length=32, description="booking, offering, slot, person, product ..."),
    entity_id: Id | None = None, action: str | None = Query(None, max_length=64),
) -> JsonResponse:
    matching = {"entity": entity, "entity_id": entity_id, "action": action}

    def page(uow: UnitOfWork) -> PageOut[AuditOut]:
        rows = q.row_page(uow.session, uow.tenant_id, m.EventRecord, paging.page(decode_id), matching)
        items, cursor = paging.split(rows, id_key)
        zone = zone_of(uow)
        return PageOut[AuditOut](items=[render(row, zone) for row in items], next_cursor=cursor)

    return JsonResponse(await who.read(page))


@router.get("/events", response_model=EventsOut, tags=["events"])
async def list_events(
    who: Caller = Depends(staff),
    after: int = Query(0, ge=0, le=MAX_ID, description="The last id seen (0: from the first event)."),
    limit: int = Query(100, ge=1, le=MAX_EVENTS),
) -> JsonResponse:
    """The tenant's events after `after`, oldest first."""

    def feed(uow: UnitOfWork) -> EventsOut:
        rows = events.feed_page(uow.connection(), uow.tenant_id, after, limit)
        items = [EventOut(id=row.id, type=row.action, occurred_at=epoch(row.at), actor=row.actor,
                          channel=row.channel, entity=row.entity, entity_id=row.entity_id, before=row.before,
                          after=row.after) for row in rows]
        return EventsOut(items=items, last_id=items[-1].id if items else after)

    return JsonResponse(await who.read(feed))
