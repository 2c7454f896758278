"""Business units (venues, sites): read by anyone of the tenant, written by admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends
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

router = APIRouter(prefix=f"{PREFIX}/business-units", tags=["catalogue"], route_class=DirectRoute)


class BusinessUnitIn(Input):
    name: str = Field(min_length=1, max_length=200)
    grouping_product_group_id: Id | None = None


class BusinessUnitPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    grouping_product_group_id: Id | None = None


class BusinessUnitOut(BaseModel):
    id: int
    name: str
    grouping_product_group_id: int | None


def render(row: m.BusinessUnit) -> BusinessUnitOut:
    return BusinessUnitOut(id=row.id, name=row.name, grouping_product_group_id=row.grouping_product_group_id)


@router.get("", response_model=PageOut[BusinessUnitOut])
async def list_business_units(who: Caller = Depends(caller), paging: PageParams = Depends()) -> JsonResponse:
    return await row_list(who, paging, m.BusinessUnit, render)


@router.get("/{unit_id}", response_model=BusinessUnitOut)
async def get_business_unit(unit_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return await read_row(who, lambda uow: catalog.get_business_unit(uow, unit_id), render)


@router.post("", status_code=201, response_model=BusinessUnitOut)
async def create_business_unit(body: BusinessUnitIn, who: Caller = Depends(admin)) -> Response:
    return await create_row(who, lambda uow: catalog.create_business_unit(uow, who.actor, **body.model_dump()),
                            render, "business-units")


@router.patch("/{unit_id}", response_model=BusinessUnitOut)
async def update_business_unit(unit_id: PathId, body: BusinessUnitPatch, who: Caller = Depends(admin)) -> Response:
    return await change_row(who, lambda uow: catalog.update_business_unit(uow, who.actor, unit_id, changes_of(body)),
                            render)


@router.delete("/{unit_id}", status_code=204, response_class=Response)
async def delete_business_unit(unit_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_business_unit(uow, who.actor, unit_id))
