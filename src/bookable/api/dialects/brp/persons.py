"""The logged-in member's own person record."""

from __future__ import annotations

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.dialects.brp import blocks
from bookable.api.dialects.brp.context import integration, member
from bookable.api.dialects.brp.params import RawParams, an_id, raw_params, read
from bookable.api.dialects.brp.routing import endpoint, respond
from bookable.domain.errors import NotAllowed, NotFound


@endpoint("GET", "persons/{person_id}")
def get_person(request: Request, raw: RawParams = Depends(raw_params)) -> Response:
    caller = integration(request, raw)
    read(raw, {})
    person_id = an_id(request.path_params["person_id"], "id")
    actor = member(request, caller)
    if person_id != actor.person_id:
        raise NotAllowed("Members may only read their own person record.", field="id")
    with caller.uow() as uow:
        person = uow.people.person(person_id)
        if person is None:
            raise NotFound(f"Person {person_id} not found.", field="id")
    return respond(request, "person", blocks.person(person))
