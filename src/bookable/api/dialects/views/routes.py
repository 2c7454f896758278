"""Views: /api/restful/work/sessiongroups/sessions/{sid}/participants[/{pid}].

Each endpoint: decide the format, authenticate staff, parse the whole body, then run one use case
of services.register (in one transaction) and render what it answers.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.context import RequestContext, staff_context
from bookable.api.dialects.views import commands, negotiation
from bookable.api.dialects.views.documents import LIST_ROOT, Document, parse_document
from bookable.api.dialects.views.records import booking_node, session_node
from bookable.api.dialects.views.render import Node, respond
from bookable.api.errors import ApiError
from bookable.domain.actors import Channel
from bookable.services import register
from bookable.services.bookings import Settlement
from bookable.storage.unit_of_work import UnitOfWork

BASE = "/api/restful/work/sessiongroups/sessions/{sid}/participants"
router = APIRouter(include_in_schema=False)


async def raw_body(request: Request) -> bytes:
    return await request.body()


async def _context(request: Request, body: bytes) -> RequestContext:
    negotiation.remember(request, body)
    return await staff_context(request, Channel.VIEWS)


def _document(request: Request, body: bytes) -> Document:
    return parse_document(body, request.headers.get("content-type", ""))


def _session(uow: UnitOfWork, sid: str) -> register.Session:
    return register.session_of(uow, commands.path_id(sid, "Session"))


def _responding(request: Request, status: int = 200) -> Callable[[Node], Response]:
    def render(node: Node) -> Response:
        return respond(request, node, status)

    return render


@router.get(BASE)
async def list_participants(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    context = await _context(request, body)
    return respond(request, await context.read(lambda uow: session_node(uow, _session(uow, sid))))


@router.post(BASE)
async def add_booking(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """A booking with its payment (paid session), or a plain register entry (payment optional)."""
    context = await _context(request, body)
    record = _document(request, body).record()
    new = commands.new_participant(record)

    def join(uow: UnitOfWork) -> Node:
        session = _session(uow, sid)
        joined = register.join(uow, context.actor, session, new)
        return booking_node(uow, session, joined.outcome.booking, joined.kept)

    return await context.write(join, _responding(request, 201))


@router.put(BASE)
async def put_register(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """`<participant>` adds or updates one person; `<participants>` replaces the whole register."""
    context = await _context(request, body)
    document = _document(request, body)
    if document.root not in (None, "participant", LIST_ROOT):
        raise ApiError(400, "malformed_body", "Send <participant> or <participants> to this URL.")
    replacing = document.root == LIST_ROOT
    lines = commands.register_lines(document.items()) if replacing else [commands.register_line(document.record())]

    def change(uow: UnitOfWork) -> Node:
        session = _session(uow, sid)
        if replacing:
            register.replace(uow, context.actor, session, lines)
        else:
            register.mark(uow, context.actor, session, lines[0])
        return session_node(uow, session)

    return await context.write(change, _responding(request))


@router.delete(BASE)
async def remove_participants(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """A list of participant ids removed from a free session's register, all or nothing."""
    context = await _context(request, body)
    document = _document(request, body)
    if document.root != LIST_ROOT:
        raise ApiError(400, "malformed_body", "Send <participants><participant>ID</participant>...</participants>.")
    ids = commands.participant_ids(document.items())

    def remove(uow: UnitOfWork) -> Node:
        session = _session(uow, sid)
        register.remove_many(uow, context.actor, session, ids)
        return session_node(uow, session)

    return await context.write(remove, _responding(request))


@router.put(BASE + "/{pid}")
async def update_booking(request: Request, sid: str, pid: str, body: bytes = Depends(raw_body)) -> Response:
    """`<payment>` records a payment (and confirms with `<Confirmed>`); `<booking>` (un)confirms."""
    context = await _context(request, body)
    document = _document(request, body)
    record = document.record()
    if document.root not in (None, "payment", "booking"):
        raise ApiError(400, "malformed_body", "Send <payment> or <booking> to this URL.")
    is_payment = document.root == "payment" or (document.root is None and "PaymentType" in record)
    payment = commands.payment_of(record, required=True) if is_payment else None
    confirmed = commands.confirmed_of(record, required=not is_payment)
    booking_id = commands.path_id(pid, "Participant")

    def update(uow: UnitOfWork) -> Node:
        session = _session(uow, sid)
        booking = register.participant_on(uow, session, booking_id)
        register.update(uow, context.actor, booking.id, payment=payment, confirmed=confirmed)
        return booking_node(uow, session, register.booking_of(booking))

    return await context.write(update, _responding(request))


@router.delete(BASE + "/{pid}")
async def remove_participant(request: Request, sid: str, pid: str, body: bytes = Depends(raw_body)) -> Response:
    """Cancels the booking (the row and its ledger stay); `<refundtype>` settles the money held."""
    context = await _context(request, body)
    settlement = Settlement.NONE
    if body.strip():
        document = _document(request, body)
        if document.root != "refundtype" or not isinstance(document.value, str):
            raise ApiError(400, "malformed_body",
                           "Send <refundtype>Refund</refundtype> or <refundtype>Credit</refundtype>.")
        settlement = commands.settlement_of(document.value)
    booking_id = commands.path_id(pid, "Participant")

    def remove(uow: UnitOfWork) -> Node:
        session = _session(uow, sid)
        return booking_node(uow, session, register.remove(uow, context.actor, session, booking_id,
                                                          settlement=settlement))

    return await context.write(remove, _responding(request))
