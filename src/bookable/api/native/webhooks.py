"""Webhook endpoints of the caller's tenant (admins), their delivery logs and manual redelivery,
and the outbox's status (staff). docs/notifications.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.ids import MAX_ID
from bookable.api.native.context import PREFIX, Caller, admin, staff
from bookable.api.native.crud import Input, changes_of, location
from bookable.api.native.http import JsonResponse, created, no_content
from bookable.api.native.representations import epoch
from bookable.api.native.values import PathId
from bookable.notifications import webhook_endpoints as endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.status import outbox_status
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=PREFIX, tags=["webhooks"], route_class=DirectRoute)
MAX_LOG = 200
EventTypes = Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=100)]


class EndpointIn(Input):
    url: str = Field(max_length=2000, description="http:// or https://; a public address unless the operator "
                                                   "allows others (webhooks_allowed_networks).")
    event_types: EventTypes = Field(description="Event types to send (docs/events.md), e.g. booking.created.")
    enabled: bool = True


class EndpointPatch(Input):
    url: str | None = Field(None, max_length=2000)
    event_types: EventTypes | None = None
    enabled: bool | None = Field(None, description="true also re-enables an endpoint the worker disabled.")


class EndpointOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: int
    updated_at: int


class NewEndpointOut(EndpointOut):
    secret: str = Field(description="whsec_...: shown only in this answer. Verify signatures with it.")


class DeliveryOut(BaseModel):
    id: int
    event_id: int
    webhook_id: str = Field(description="The webhook-id header it is sent with (the same on every try).")
    type: str
    status: str = Field(description="pending, delivered, failed (to be retried), given_up.")
    attempts: int
    last_status_code: int | None
    last_detail: str
    last_attempt_at: int | None
    next_attempt_at: int | None
    delivered_at: int | None
    created_at: int


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]
    next_before: int | None = Field(description="Send as `before` for older deliveries; null: no more.")


class OutboxStatusOut(BaseModel):
    last_event_id: int = Field(description="The tenant's newest event.")
    fanned_out_to: int = Field(description="The worker has read the outbox (every tenant's) up to this event id.")
    oldest_undelivered_age_seconds: float = Field(description="Age of the tenant's oldest event not yet "
                                                              "delivered everywhere; 0: none.")
    pending: int
    failed: int = Field(description="Failed at least once, to be retried.")
    delivered: int
    given_up: int


def policy(request: Request) -> AddressPolicy:
    return AddressPolicy.from_settings(settings_of(request))


def settings_of(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or Settings()


def render(row: m.WebhookEndpoint) -> EndpointOut:
    return EndpointOut(id=row.id, url=row.url, event_types=list(row.event_types), enabled=row.enabled,
                       disabled_reason=row.disabled_reason, created_at=epoch(row.created_at),
                       updated_at=epoch(row.updated_at))


def render_delivery(row: Any) -> DeliveryOut:
    waiting = row.status in ("pending", "failed")
    return DeliveryOut(
        id=row.id, event_id=row.event_id, webhook_id=f"msg_{row.event_id}_{endpoints.endpoint_of(row.target)}",
        type=str((row.payload or {}).get("type", "")), status=row.status, attempts=row.attempts,
        last_status_code=row.last_status_code, last_detail=row.last_detail,
        last_attempt_at=_epoch_or_none(row.last_attempt_at),
        next_attempt_at=epoch(row.next_attempt_at) if waiting else None,
        delivered_at=_epoch_or_none(row.delivered_at), created_at=epoch(row.created_at))


def _epoch_or_none(instant: Any) -> int | None:
    return None if instant is None else epoch(instant)


@router.post("/webhooks", response_model=NewEndpointOut, status_code=201)
async def create_endpoint(body: EndpointIn, who: Caller = Depends(admin),
                          addresses: AddressPolicy = Depends(policy)) -> Response:
    await run_in_threadpool(endpoints.screen, addresses, body.url)

    def make(uow: UnitOfWork) -> NewEndpointOut:
        row = endpoints.create(uow, who.actor, addresses, body.url, body.event_types, body.enabled)
        return NewEndpointOut(**render(row).model_dump(), secret=row.secret)

    return await who.write(make, lambda out: created(out, location("webhooks", out.id)))


@router.get("/webhooks", response_model=list[EndpointOut])
async def list_endpoints(who: Caller = Depends(admin)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: [render(row) for row in endpoints.all_of(uow)]))


@router.get("/webhooks/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(endpoint_id: PathId, who: Caller = Depends(admin)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: render(endpoints.get(uow, endpoint_id))))


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(endpoint_id: PathId, body: EndpointPatch, who: Caller = Depends(admin),
                          addresses: AddressPolicy = Depends(policy)) -> Response:
    changes = {name: value for name, value in changes_of(body).items() if value is not None}
    if "url" in changes:
        await run_in_threadpool(endpoints.screen, addresses, changes["url"])
    return await who.write(lambda uow: render(endpoints.update(uow, who.actor, addresses, endpoint_id, changes)),
                           JsonResponse)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
async def delete_endpoint(endpoint_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await who.write(lambda uow: endpoints.delete(uow, who.actor, endpoint_id), lambda _: no_content())


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=DeliveriesOut,
            description="Newest first; follow `next_before` for older ones.")
async def list_deliveries(endpoint_id: PathId, who: Caller = Depends(admin),
                          before: int | None = Query(None, ge=1, le=MAX_ID),
                          limit: int = Query(50, ge=1, le=MAX_LOG)) -> JsonResponse:
    def page(uow: UnitOfWork) -> DeliveriesOut:
        rows = endpoints.delivery_log(uow, endpoint_id, before, limit + 1)
        shown = [render_delivery(row) for row in rows[:limit]]
        return DeliveriesOut(items=shown, next_before=shown[-1].id if len(rows) > limit else None)

    return JsonResponse(await who.read(page))


@router.post("/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut,
             status_code=202, description="Send this delivery again as soon as the worker is free (409 while it "
                                          "is being sent, or while the endpoint is disabled).")
async def redeliver(endpoint_id: PathId, delivery_id: PathId, request: Request,
                    who: Caller = Depends(admin)) -> Response:
    window = timedelta(seconds=settings_of(request).delivery_give_up_after_seconds)
    return await who.write(lambda uow: render_delivery(endpoints.redeliver(uow, endpoint_id, delivery_id, window)),
                           lambda out: JsonResponse(out, status_code=202))


@router.get("/outbox/status", response_model=OutboxStatusOut, tags=["events"])
async def get_outbox_status(who: Caller = Depends(staff)) -> JsonResponse:
    def read(uow: UnitOfWork) -> OutboxStatusOut:
        status = outbox_status(uow)
        return OutboxStatusOut(last_event_id=status.last_event_id, fanned_out_to=status.fanned_out_to,
                               oldest_undelivered_age_seconds=status.oldest_undelivered_age_seconds,
                               **status.counts)

    return JsonResponse(await who.read(read))

