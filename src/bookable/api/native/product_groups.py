"""Product groups (a tree: a group may have a parent): read by anyone of the tenant, written by admins."""

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

router = APIRouter(prefix=f"{PREFIX}/product-groups", tags=["catalogue"], route_class=DirectRoute)


class ProductGroupIn(Input):
    name: str = Field(min_length=1, max_length=200)
    parent_id: Id | None = None


class ProductGroupPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: Id | None = None


class ProductGroupOut(BaseModel):
    id: int
    name: str
    parent_id: int | None


def render(row: m.ProductGroup) -> ProductGroupOut:
    return ProductGroupOut(id=row.id, name=row.name, parent_id=row.parent_id)


@router.get("", response_model=PageOut[ProductGroupOut])
async def list_product_groups(who: Caller = Depends(caller), paging: PageParams = Depends(),
                              parent_id: int | None = None) -> JsonResponse:
    return await row_list(who, paging, m.ProductGroup, render, {"parent_id": parent_id})


@router.get("/{group_id}", response_model=ProductGroupOut)
async def get_product_group(group_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return await read_row(who, lambda uow: catalog.get_product_group(uow, group_id), render)


@router.post("", status_code=201, response_model=ProductGroupOut)
async def create_product_group(body: ProductGroupIn, who: Caller = Depends(admin)) -> Response:
    return await create_row(who, lambda uow: catalog.create_product_group(uow, who.actor, **body.model_dump()),
                            render, "product-groups")


@router.patch("/{group_id}", response_model=ProductGroupOut)
async def update_product_group(group_id: PathId, body: ProductGroupPatch, who: Caller = Depends(admin)) -> Response:
    return await change_row(who, lambda uow: catalog.update_product_group(uow, who.actor, group_id, changes_of(body)),
                            render)


@router.delete("/{group_id}", status_code=204, response_class=Response)
async def delete_product_group(group_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_product_group(uow, who.actor, group_id))
