"""Products and product groups."""

from __future__ import annotations

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import credential_of
from bookable.api.dialects.brp.context import integration_and as _integration_and
from bookable.api.dialects.brp.errors import invalid
from bookable.api.dialects.brp.params import Param, RawParams, a_boolean, an_id, one_of, raw_params
from bookable.api.dialects.brp.render import Items, named_items
from bookable.api.dialects.brp.routing import endpoint, respond
from bookable.api.execution import run_checks
from bookable.storage.queries import brp as reads
from bookable.storage.unit_of_work import UnitOfWork

PRODUCT_TYPES = ("groupActivity", "subscription", "package", "article", "service", "event", "stockProduct",
                 "valueCard", "entry")
PRODUCT_PARAMS = {
    "businessunit": Param(an_id),
    "producttype": Param(one_of(*PRODUCT_TYPES)),
    "bookablefrominternet": Param(a_boolean),
}
GROUP_PARAMS = {"forgrouping": Param(a_boolean), "businessunit": Param(an_id)}


@endpoint("GET", "products")
async def list_products(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    context, params = await run_checks(credential_of(request, raw), _integration_and, request, raw, PRODUCT_PARAMS)
    rows = await context.read(lambda uow: reads.products(
        uow.session, context.tenant_id, business_unit=params.get("businessunit"),
        product_type=params.get("producttype"), internet_only=params.get("bookablefrominternet", True)))
    return respond(request, "products", Items("product", [blocks.product_of(row) for row in rows]))


@endpoint("GET", "productgroups")
async def list_product_groups(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    context, params = await run_checks(credential_of(request, raw), _integration_and, request, raw, GROUP_PARAMS)
    business_unit = params.get("businessunit")
    for_grouping = params.get("forgrouping", False)
    if business_unit is not None and not for_grouping:
        raise invalid("businessunit", "businessunit is only used with forgrouping=true.")

    def groups(uow: UnitOfWork) -> list[tuple[int, str]]:
        if for_grouping:
            return reads.grouping_children(uow.session, context.tenant_id, business_unit)
        return reads.product_groups(uow.session, context.tenant_id)

    return respond(request, "productgroups", named_items("productgroup", await context.read(groups)))
