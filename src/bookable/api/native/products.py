"""Products (what an offering sells; BRP's product with labels, css class and group).

Read by anyone of the tenant, written by admins. `label_ids` replaces the product's labels.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, caller
from bookable.api.native.crud import Input, change_row, changes_of, create_row, delete_row, read_row
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.api.native.values import Id, PathId
from bookable.services import catalog
from bookable.storage import models as m
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/products", tags=["catalogue"], route_class=DirectRoute)
ProductType = Literal["groupActivity", "subscription", "package", "article", "service", "event", "stockProduct",
                      "valueCard", "entry"]


class ProductIn(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    product_type: ProductType = "groupActivity"
    bookable_from_internet: bool = True
    css_class: str = Field("", max_length=64)
    group_id: Id | None = None
    business_unit_id: Id | None = None
    label_ids: list[Id] = Field([], max_length=100)


class ProductPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    product_type: ProductType | None = None
    bookable_from_internet: bool | None = None
    css_class: str | None = Field(None, max_length=64)
    group_id: Id | None = None
    business_unit_id: Id | None = None
    label_ids: list[Id] | None = Field(None, max_length=100, description="Replaces the product's labels.")


class Named(BaseModel):
    id: int
    name: str


class ProductOut(BaseModel):
    id: int
    name: str
    description: str
    product_type: str
    bookable_from_internet: bool
    css_class: str
    group_id: int | None
    group: Named | None
    business_unit_id: int | None
    label_ids: list[int]
    labels: list[Named]


def render(row: m.Product) -> ProductOut:
    labels = sorted(row.labels, key=lambda label: label.id)
    return ProductOut(
        id=row.id, name=row.name, description=row.description, product_type=row.product_type,
        bookable_from_internet=row.bookable_from_internet, css_class=row.css_class, group_id=row.group_id,
        group=Named(id=row.group.id, name=row.group.name) if row.group else None,
        business_unit_id=row.business_unit_id, label_ids=[label.id for label in labels],
        labels=[Named(id=label.id, name=label.name) for label in labels],
    )


@router.get("", response_model=PageOut[ProductOut])
async def list_products(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    business_unit_id: list[Id] = Query([], description="Only these business units (repeat the parameter)."),
    group_id: list[Id] = Query([], description="Only these product groups."),
    label_id: list[Id] = Query([], description="Only products with one of these labels."),
    product_type: ProductType | None = None,
    bookable_from_internet: bool | None = None,
) -> JsonResponse:
    filters = q.ProductFilter(business_unit_ids=tuple(business_unit_id), group_ids=tuple(group_id),
                              label_ids=tuple(label_id), product_type=product_type,
                              bookable_from_internet=bookable_from_internet)

    def page(uow: UnitOfWork) -> PageOut[ProductOut]:
        rows = q.product_page(uow.session, uow.tenant_id, filters, paging.page(decode_id))
        items, cursor = paging.split(rows, id_key)
        return PageOut[ProductOut](items=[render(row) for row in items], next_cursor=cursor)

    return JsonResponse(await who.read(page))


@router.get("/{product_id}", response_model=ProductOut)
async def get_product(product_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return await read_row(who, lambda uow: catalog.get_product(uow, product_id), render)


@router.post("", status_code=201, response_model=ProductOut)
async def create_product(body: ProductIn, who: Caller = Depends(admin)) -> Response:
    return await create_row(who, lambda uow: catalog.create_product(
        uow, who.actor, body.model_dump(exclude={"label_ids"}), body.label_ids), render, "products")


@router.patch("/{product_id}", response_model=ProductOut)
async def update_product(product_id: PathId, body: ProductPatch, who: Caller = Depends(admin)) -> Response:
    return await change_row(who, lambda uow: catalog.update_product(
        uow, who.actor, product_id, changes_of(body, exclude={"label_ids"}), body.label_ids), render)


@router.delete("/{product_id}", status_code=204, response_class=Response)
async def delete_product(product_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_product(uow, who.actor, product_id))
