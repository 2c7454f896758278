"""The caller's tenant and its settings: read by staff, changed by admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, staff
from bookable.api.native.crud import Input, change_row, changes_of, read_row
from bookable.api.native.http import JsonResponse
from bookable.services import tenants
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/tenant", tags=["tenant"], route_class=DirectRoute)


class TenantPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$", description="ISO 4217, e.g. SEK.")
    max_upcoming_bookings: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="At most this many upcoming bookings per member (waiting-list places count); "
                          "null = no limit. Member calls obey it in every API; staff bookings do not.")
    cors_origins: list[Annotated[str, Field(max_length=300)]] | None = Field(
        None, max_length=50, description="Web origins (https://www.example.org) whose pages may call the BRP "
                                         "API with a member's login; [\"*\"]: any page, without one.")
    language: Literal["sv", "en"] | None = Field(
        None, description="The web pages' language for a visitor who chose none, and the emails' for a member "
                          "with none; null = English.")


class TenantOut(BaseModel):
    id: int
    slug: str
    name: str
    timezone: str
    currency: str
    client_id: int | None
    max_upcoming_bookings: int | None
    cors_origins: list[str]
    language: str | None


def render(row: m.Tenant) -> TenantOut:
    return TenantOut(id=row.id, slug=row.slug, name=row.name, timezone=row.timezone, currency=row.currency,
                     client_id=row.client_id, max_upcoming_bookings=row.max_upcoming_bookings,
                     cors_origins=list(row.cors_origins or ()), language=row.language)


@router.get("", response_model=TenantOut)
async def get_tenant(who: Caller = Depends(staff)) -> JsonResponse:
    return await read_row(who, lambda uow: tenants.settings_of(uow, who.tenant_id), render)


@router.patch("", response_model=TenantOut)
async def update_tenant(body: TenantPatch, who: Caller = Depends(admin)) -> Response:
    def change(uow: UnitOfWork) -> m.Tenant:
        tenants.change_settings(uow, who.actor, changes_of(body))
        return tenants.settings_of(uow, who.tenant_id)

    return await change_row(who, change, render)
