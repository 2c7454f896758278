"""Product labels (tags on products): read by anyone of the tenant, written by admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, caller
from bookable.api.native.crud import Input, changes_of, location, row_list
from bookable.api.native.http import JsonResponse, created, no_content
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
def list_product_labels(who: Caller = Depends(caller), paging: PageParams = Depends()) -> JsonResponse:
    return row_list(who, paging, m.ProductLabel, render)


@router.get("/{label_id}", response_model=ProductLabelOut)
def get_product_label(label_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    with who.uow(write=False) as uow:
        return JsonResponse(render(catalog.get_product_label(uow, label_id)))


@router.post("", status_code=201, response_model=ProductLabelOut)
def create_product_label(body: ProductLabelIn, who: Caller = Depends(admin)) -> JsonResponse:
    with who.uow() as uow:
        row = catalog.create_product_label(uow, who.actor, **body.model_dump())
        out = render(row)
        uow.commit()
        return created(out, location("product-labels", row.id))


@router.patch("/{label_id}", response_model=ProductLabelOut)
def update_product_label(label_id: PathId, body: ProductLabelPatch, who: Caller = Depends(admin)) -> JsonResponse:
    with who.uow() as uow:
        row = catalog.update_product_label(uow, who.actor, label_id, changes_of(body))
        out = render(row)
        uow.commit()
        return JsonResponse(out)


@router.delete("/{label_id}", status_code=204, response_class=Response)
def delete_product_label(label_id: PathId, who: Caller = Depends(admin)) -> Response:
    with who.uow() as uow:
        catalog.delete_product_label(uow, who.actor, label_id)
        uow.commit()
    return no_content()
