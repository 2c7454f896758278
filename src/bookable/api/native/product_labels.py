"""Product labels (tags on products): read by anyone of the tenant, written by admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, caller
from bookable.api.native.crud import Input, change_row, changes_of, create_row, delete_row, read_row, row_list
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams
from bookable.api.native.values import PathId
from bookable.services import catalog
from bookable.storage import models as m

router = APIRouter(prefix=f"{PREFIX}/product-labels", tags=["catalogue"], route_class=DirectRoute)


class ProductLabelIn(Input):
    name: str = Field(min_length=1, max_length=200)


class ProductLabelPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)


class ProductLabelOut(BaseModel):
    id: int
    name: str


def render(row: m.ProductLabel) -> ProductLabelOut:
    return ProductLabelOut(id=row.id, name=row.name)


@router.get("", response_model=PageOut[ProductLabelOut])
async def list_product_labels(who: Caller = Depends(caller), paging: PageParams = Depends()) -> JsonResponse:
    return await row_list(who, paging, m.ProductLabel, render)


@router.get("/{label_id}", response_model=ProductLabelOut)
async def get_product_label(label_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return await read_row(who, lambda uow: catalog.get_product_label(uow, label_id), render)


@router.post("", status_code=201, response_model=ProductLabelOut)
async def create_product_label(body: ProductLabelIn, who: Caller = Depends(admin)) -> Response:
    return await create_row(who, lambda uow: catalog.create_product_label(uow, who.actor, **body.model_dump()),
                            render, "product-labels")


@router.patch("/{label_id}", response_model=ProductLabelOut)
async def update_product_label(label_id: PathId, body: ProductLabelPatch, who: Caller = Depends(admin)) -> Response:
    return await change_row(who, lambda uow: catalog.update_product_label(uow, who.actor, label_id, changes_of(body)),
                            render)


@router.delete("/{label_id}", status_code=204, response_class=Response)
async def delete_product_label(label_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_product_label(uow, who.actor, label_id))
