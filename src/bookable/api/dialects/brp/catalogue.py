"""Products and product groups."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import integration
from bookable.api.dialects.brp.errors import invalid
from bookable.api.dialects.brp.params import Param, RawParams, a_boolean, an_id, one_of, raw_params, read
from bookable.api.dialects.brp.render import Items, named_items
from bookable.api.dialects.brp.routing import endpoint, respond
from bookable.domain.errors import NotFound
from bookable.storage.queries import brp as reads

PRODUCT_TYPES = ("groupActivity", "subscription", "package", "article", "service", "event", "stockProduct",
                 "valueCard", "entry")
PRODUCT_PARAMS = {
    "businessunit": Param(an_id),
    "producttype": Param(one_of(*PRODUCT_TYPES)),
    "bookablefrominternet": Param(a_boolean),
}
GROUP_PARAMS = {"forgrouping": Param(a_boolean), "businessunit": Param(an_id)}


@endpoint("GET", "products")
def list_products(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, PRODUCT_PARAMS)
    with caller.uow() as uow:
        rows = reads.products(uow.session, caller.tenant_id, business_unit=params.get("businessunit"),
                              product_type=params.get("producttype"),
                              internet_only=params.get("bookablefrominternet", True))
    return respond(request, "products", Items("product", [blocks.product_of(row) for row in rows]))


@endpoint("GET", "productgroups")
def list_product_groups(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    params = read(raw, GROUP_PARAMS)
    business_unit = params.get("businessunit")
    for_grouping = params.get("forgrouping", False)
    if business_unit is not None and not for_grouping:
        raise invalid("businessunit", "businessunit is only used with forgrouping=true.")
    with caller.uow() as uow:
        if for_grouping:
            groups = _grouping_children(uow.session, caller.tenant_id, business_unit)
        else:
            groups = reads.product_groups(uow.session, caller.tenant_id)
    return respond(request, "productgroups", named_items("productgroup", groups))


def _grouping_children(session: Session, tenant_id: int, business_unit: int | None) -> list[tuple[int, str]]:
    """Groups under the grouping product group: the business unit's setting, else the tenant's."""
    parent = None
    if business_unit is not None:
        if not reads.business_unit_exists(session, tenant_id, business_unit):
            raise NotFound(f"Business unit {business_unit} not found.", field="businessunit")
        parent = reads.grouping_group_id(session, tenant_id, business_unit)
    parent = parent or reads.grouping_group_id(session, tenant_id, None)
    if parent is None:
        return []
    return reads.product_groups(session, tenant_id, parent_id=parent, children_only=True)
