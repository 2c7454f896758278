"""The logged-in member's own person record."""

from __future__ import annotations

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext
from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import credential_of, integration, member
from bookable.api.dialects.brp.params import RawParams, an_id, raw_params, read
from bookable.api.dialects.brp.routing import endpoint, respond
from bookable.api.execution import run_checks
from bookable.services import catalog


@endpoint("GET", "persons/{person_id}")
async def get_person(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    def check() -> tuple[RequestContext, int]:
        context = integration(request, raw)
        read(raw, {})
        person_id = an_id(request.path_params["person_id"], "id")
        return member(request, context), person_id

    context, person_id = await run_checks(credential_of(request, raw), check)
    person = await context.read(lambda uow: catalog.read_person(uow, context.actor, person_id))
    return respond(request, "person", blocks.person(person))
