"""Resources (rooms, instructors, equipment): read by anyone of the tenant, written by admins."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, caller
from bookable.api.native.crud import Input, changes_of, location, row_list
from bookable.api.native.http import JsonResponse, created, no_content
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
def list_resources(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    business_unit_id: list[Id] = Query([], description="Only these business units (repeat the parameter)."),
    kind: ResourceKind | None = None,
) -> JsonResponse:
    conditions: list[ColumnElement[bool]] = []
    if business_unit_id:
        conditions.append(m.Resource.business_unit_id.in_(business_unit_id))
    if kind is not None:
        conditions.append(m.Resource.kind == kind)
    return row_list(who, paging, m.Resource, render, *conditions)


@router.get("/{resource_id}", response_model=ResourceOut)
def get_resource(resource_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    with who.uow(write=False) as uow:
        return JsonResponse(render(catalog.get_resource(uow, resource_id)))


@router.post("", status_code=201, response_model=ResourceOut)
def create_resource(body: ResourceIn, who: Caller = Depends(admin)) -> JsonResponse:
    with who.uow() as uow:
        row = catalog.create_resource(uow, who.actor, **body.model_dump())
        out = render(row)
        uow.commit()
        return created(out, location("resources", row.id))


@router.patch("/{resource_id}", response_model=ResourceOut)
def update_resource(resource_id: PathId, body: ResourcePatch, who: Caller = Depends(admin)) -> JsonResponse:
    with who.uow() as uow:
        row = catalog.update_resource(uow, who.actor, resource_id, changes_of(body))
        out = render(row)
        uow.commit()
        return JsonResponse(out)


@router.delete("/{resource_id}", status_code=204, response_class=Response)
def delete_resource(resource_id: PathId, who: Caller = Depends(admin)) -> Response:
    with who.uow() as uow:
        catalog.delete_resource(uow, who.actor, resource_id)
        uow.commit()
    return no_content()
