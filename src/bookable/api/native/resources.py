"""Resources (rooms, instructors, equipment): read by anyone of the tenant, written by admins."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, caller
from bookable.api.native.crud import Input, change_row, changes_of, create_row, delete_row, read_row, row_list
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams
from bookable.api.native.values import Id, PathId
from bookable.services import catalog
from bookable.storage import models as m

router = APIRouter(prefix=f"{PREFIX}/resources", tags=["catalogue"], route_class=DirectRoute)
ResourceKind = Literal["room", "instructor", "equipment", "other"]


class ResourceIn(Input):
    name: str = Field(min_length=1, max_length=200)
    kind: ResourceKind = "room"
    business_unit_id: Id | None = None


class ResourcePatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: ResourceKind | None = None
    business_unit_id: Id | None = None


class ResourceOut(BaseModel):
    id: int
    name: str
    kind: str
    business_unit_id: int | None


def render(row: m.Resource) -> ResourceOut:
    return ResourceOut(id=row.id, name=row.name, kind=row.kind, business_unit_id=row.business_unit_id)


@router.get("", response_model=PageOut[ResourceOut])
async def list_resources(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    business_unit_id: list[Id] = Query([], description="Only these business units (repeat the parameter)."),
    kind: ResourceKind | None = None,
) -> JsonResponse:
    return await row_list(who, paging, m.Resource, render, {"business_unit_id": business_unit_id, "kind": kind})


@router.get("/{resource_id}", response_model=ResourceOut)
async def get_resource(resource_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return await read_row(who, lambda uow: catalog.get_resource(uow, resource_id), render)


@router.post("", status_code=201, response_model=ResourceOut)
async def create_resource(body: ResourceIn, who: Caller = Depends(admin)) -> Response:
    return await create_row(who, lambda uow: catalog.create_resource(uow, who.actor, **body.model_dump()), render,
                            "resources")


@router.patch("/{resource_id}", response_model=ResourceOut)
async def update_resource(resource_id: PathId, body: ResourcePatch, who: Caller = Depends(admin)) -> Response:
    return await change_row(who, lambda uow: catalog.update_resource(uow, who.actor, resource_id, changes_of(body)),
                            render)


@router.delete("/{resource_id}", status_code=204, response_class=Response)
async def delete_resource(resource_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_resource(uow, who.actor, resource_id))
