"""BookingBug's sessions API (spec 001): parse, call the engine services, render. No rules here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext, staff_context
from bookable.api.xml import XmlResponse, parse_xml
from bookable.domain.actors import Channel, utc_now
from bookable.domain.errors import NotFound
from bookable.domain.offering import Kind
from bookable.services import offerings
from bookable.services.bookings import Target, loads_of, target_of_slot
from bookable.storage import models as m
from bookable.storage.queries.bookingbug import session_summaries
from bookable.storage.unit_of_work import UnitOfWork

from . import rendering
from .parsing import TYPE_ELEMENTS, agreeing_kind, parse_boolean, parse_id, parse_kind_text, parse_session, parse_slot
from .requests import creation_spec, update_changes

router = APIRouter(include_in_schema=False)


async def staff(request: Request) -> RequestContext:
    return await staff_context(request, Channel.BOOKINGBUG)


async def xml_body(request: Request) -> etree._Element:
    return parse_xml(await request.body())


Staff = Annotated[RequestContext, Depends(staff)]
XmlBody = Annotated[etree._Element, Depends(xml_body)]


@router.get("/api/sessions.xml")
async def list_sessions(context: Staff) -> XmlResponse:
    summaries = await context.read(lambda uow: session_summaries(uow.session, context.tenant_id))
    return XmlResponse(rendering.session_list(summaries))


@router.post("/api/sessions.xml")
async def create_session(request: Request, context: Staff, root: XmlBody) -> Response:
    given = parse_session(root)
    kind = _requested_kind(request, given.kind)

    def create(uow: UnitOfWork) -> tuple[int, etree._Element]:
        now = utc_now()
        spec = creation_spec(given, kind, uow.zone(context.tenant_id), now)
        offering = offerings.create_offering(uow, context.actor, spec, now=now)
        return offering.id, _session_document(uow, offering)

    def render(created: tuple[int, etree._Element]) -> XmlResponse:
        session_id, document = created
        location = f"{request.base_url}api/sessions/{session_id}.xml"
        return XmlResponse(document, status_code=201, headers={"Location": location})

    return await context.write(create, render)


@router.get("/api/sessions/{session_id}.xml")
async def show_session(context: Staff, session_id: str) -> XmlResponse:
    return XmlResponse(await context.read(
        lambda uow: _session_document(uow, offerings.get_offering(uow, _session_id(session_id)))))


@router.put("/api/sessions/{session_id}.xml")
async def update_session(request: Request, context: Staff, session_id: str, root: XmlBody) -> Response:
    given = parse_session(root)
    cancel_bookings = _cancel_bookings(request)

    def update(uow: UnitOfWork) -> etree._Element:
        offering = offerings.get_offering(uow, _session_id(session_id))
        changes, slots = update_changes(given, offering)
        offering = offerings.update_offering(uow, context.actor, offering.id, changes, custom_slots=slots,
                                             cancel_active=cancel_bookings)
        return _session_document(uow, offering)

    return await context.write(update, XmlResponse)


@router.delete("/api/sessions/{session_id}.xml")
async def destroy_session(request: Request, context: Staff, session_id: str) -> Response:
    cancel_bookings = _cancel_bookings(request)

    def destroy(uow: UnitOfWork) -> etree._Element:
        offering = offerings.delete_offering(uow, context.actor, _session_id(session_id),
                                             cancel_active=cancel_bookings)
        return rendering.session_summary(offering.id, offering.name, offering.group_name)

    return await context.write(destroy, XmlResponse)


@router.put("/api/slots/{slot_id}.xml")
async def update_slot(context: Staff, slot_id: str, root: XmlBody) -> Response:
    given = parse_slot(root)

    def update(uow: UnitOfWork) -> etree._Element:
        slot = offerings.update_slot(uow, context.actor, _slot_id(slot_id), local_date=given.date,
                                     local_time=given.time, duration=given.duration)
        offering = offerings.get_offering(uow, slot.offering_id)
        return rendering.slot_detail(slot, loads_of(uow, target_of_slot(uow, offering, slot))[slot.id])

    return await context.write(update, XmlResponse)


def _session_document(uow: UnitOfWork, offering: m.Offering) -> etree._Element:
    slots = uow.offerings.slots_of(offering.id)
    return rendering.session_detail(offering, slots, loads_of(uow, Target(offering, slots, None)))


def _requested_kind(request: Request, from_body: Kind | None) -> Kind:
    """?type= (event, course, recurring_event or 0/1/2), ?session_type=, or <type> in the body."""
    kinds = [parse_kind_text(value, name) for name in TYPE_ELEMENTS for value in request.query_params.getlist(name)]
    return agreeing_kind(kinds + ([from_body] if from_body else [])) or Kind.EVENT


def _cancel_bookings(request: Request) -> bool:
    value = request.query_params.get("cancel_bookings")
    return False if value is None else parse_boolean(value.strip(), "cancel_bookings")


def _session_id(text: str) -> int:
    session_id = parse_id(text)
    if session_id is None:
        raise NotFound(f"Session {text} not found.", field="id")
    return session_id


def _slot_id(text: str) -> int:
    slot_id = parse_id(text)
    if slot_id is None:
        raise NotFound(f"Slot {text} not found.", field="id")
    return slot_id
