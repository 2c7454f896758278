"""BookingBug's sessions API (spec 001): parse, call the engine services, render. No rules here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from lxml import etree
from starlette.requests import Request

from bookable.api.auth import authenticator
from bookable.api.xml import XmlResponse, parse_xml
from bookable.domain.errors import NotFound
from bookable.domain.offering import Kind
from bookable.services import offerings
from bookable.services.actor import Actor, Channel, utc_now
from bookable.services.bookings import Target, loads_of
from bookable.storage import models as m
from bookable.storage.queries.bookingbug import session_summaries
from bookable.storage.unit_of_work import UnitOfWork

from . import rendering
from .parsing import TYPE_ELEMENTS, agreeing_kind, parse_boolean, parse_id, parse_kind_text, parse_session, parse_slot
from .requests import creation_spec, update_changes

router = APIRouter(include_in_schema=False)


def staff_actor(request: Request) -> Actor:
    return authenticator(request).staff_or_key(request).actor(Channel.BOOKINGBUG)


async def xml_body(request: Request) -> etree._Element:
    return parse_xml(await request.body())


Staff = Annotated[Actor, Depends(staff_actor)]
XmlBody = Annotated[etree._Element, Depends(xml_body)]


@router.get("/api/sessions.xml")
def list_sessions(request: Request, actor: Staff) -> XmlResponse:
    with _unit_of_work(request, actor, write=False) as uow:
        summaries = session_summaries(uow.session, actor.tenant_id)
    return XmlResponse(rendering.session_list(summaries))


@router.post("/api/sessions.xml")
def create_session(request: Request, actor: Staff, root: XmlBody) -> XmlResponse:
    given = parse_session(root)
    kind = _requested_kind(request, given.kind)
    with _unit_of_work(request, actor) as uow:
        now = utc_now()
        spec = creation_spec(given, kind, offerings.tenant_zone(uow, actor), now)
        offering = offerings.create_offering(uow, actor, spec, now=now)
        session_id, document = offering.id, _session_document(uow, offering)
        uow.commit()
    location = f"{request.base_url}api/sessions/{session_id}.xml"
    return XmlResponse(document, status_code=201, headers={"Location": location})


@router.get("/api/sessions/{session_id}.xml")
def show_session(request: Request, actor: Staff, session_id: str) -> XmlResponse:
    with _unit_of_work(request, actor, write=False) as uow:
        document = _session_document(uow, offerings.get_offering(uow, _session_id(session_id)))
    return XmlResponse(document)


@router.put("/api/sessions/{session_id}.xml")
def update_session(request: Request, actor: Staff, session_id: str, root: XmlBody) -> XmlResponse:
    given = parse_session(root)
    cancel_bookings = _cancel_bookings(request)
    with _unit_of_work(request, actor) as uow:
        offering = offerings.get_offering(uow, _session_id(session_id))
        changes, slots = update_changes(given, offering)
        offering = offerings.update_offering(
            uow, actor, offering.id, changes, custom_slots=slots, cancel_active=cancel_bookings
        )
        document = _session_document(uow, offering)
        uow.commit()
    return XmlResponse(document)


@router.delete("/api/sessions/{session_id}.xml")
def destroy_session(request: Request, actor: Staff, session_id: str) -> XmlResponse:
    cancel_bookings = _cancel_bookings(request)
    with _unit_of_work(request, actor) as uow:
        offering = offerings.delete_offering(uow, actor, _session_id(session_id), cancel_active=cancel_bookings)
        document = rendering.session_summary(offering.id, offering.name, offering.group_name)
        uow.commit()
    return XmlResponse(document)


@router.put("/api/slots/{slot_id}.xml")
def update_slot(request: Request, actor: Staff, slot_id: str, root: XmlBody) -> XmlResponse:
    given = parse_slot(root)
    with _unit_of_work(request, actor) as uow:
        slot = offerings.update_slot(
            uow, actor, _slot_id(slot_id), local_date=given.date, local_time=given.time, duration=given.duration
        )
        offering = offerings.get_offering(uow, slot.offering_id)
        document = rendering.slot_detail(slot, loads_of(uow, Target(offering, [slot], slot.id))[slot.id])
        uow.commit()
    return XmlResponse(document)


def _unit_of_work(request: Request, actor: Actor, *, write: bool = True) -> UnitOfWork:
    return UnitOfWork(request.app.state.database, actor.tenant_id, write=write)


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
