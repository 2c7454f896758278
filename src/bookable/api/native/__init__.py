"""The native JSON API under /api/v1 (OpenAPI at /openapi.json, docs at /docs).

Errors are RFC 9457 problem+json with the engine's stable codes. In this API a field value the
engine refuses (`invalid_parameter`, `too_many_places`) is a 422, like a request that fails schema
validation, so a client sees one status for "fix your input". See docs/native-api.md.
"""

from __future__ import annotations

import re

from fastapi import APIRouter

from bookable.api import errors
from bookable.api.native import (
    audit,
    bookings,
    business_units,
    offerings,
    persons,
    product_groups,
    product_labels,
    products,
    registrations,
    resources,
    slots,
    tenant,
    webhooks,
)
from bookable.api.problem import render_problem

NATIVE_STATUS = {"invalid_parameter": 422, "too_many_places": 422}

# One flat list of routes, the busiest resource first: FastAPI matches routes in order, at a cost
# per route tried, and each router included (rather than its routes) costs a walk of the router
# tree on every request (api.api_routes). The modules' routers carry the full prefix.
router = APIRouter(routes=[route for module in (bookings, slots, offerings, persons, registrations, business_units,
                                                resources, product_groups, product_labels, products, audit, tenant,
                                                webhooks)
                           for route in module.router.routes])

PATHS = re.compile(r"^/api/v1(/|$)")
errors.register(errors.Dialect("native", PATHS, render_problem, NATIVE_STATUS.get))

__all__ = ["PATHS", "router"]
