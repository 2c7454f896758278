"""Views: /api/restful/work/sessiongroups/sessions/{sid}/participants[/{pid}].

Each endpoint: decide the format, authenticate staff, parse the whole body, then one unit of work
of service calls, render, commit. Staff calls here override booking windows (registers are often
taken after the session) but never capacity.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from bookable.api.auth import authenticator
from bookable.api.dialects.views import commands, negotiation
from bookable.api.dialects.views.documents import LIST_ROOT, Document, parse_document
from bookable.api.dialects.views.records import Session, booking_node, session_node
from bookable.api.dialects.views.render import respond
from bookable.api.errors import ApiError
from bookable.domain.errors import NotFound
from bookable.services import bookings, register
from bookable.services.actor import Actor, Channel
from bookable.services.bookings import NewBooking, Settlement, WaitlistPolicy
from bookable.services.person_details import fill_blank_details
from bookable.storage import models as m
from bookable.storage.queries import views as queries
from bookable.storage.unit_of_work import UnitOfWork

BASE = "/api/restful/work/sessiongroups/sessions/{sid}/participants"
router = APIRouter(include_in_schema=False)


async def raw_body(request: Request) -> bytes:
    return await request.body()


def _caller(request: Request, body: bytes) -> Actor:
    negotiation.remember(request, body)
    return authenticator(request).staff_or_key(request).actor(Channel.VIEWS)


def _document(request: Request, body: bytes) -> Document:
    return parse_document(body, request.headers.get("content-type", ""))


def _uow(request: Request, actor: Actor, *, write: bool = True) -> UnitOfWork:
    return UnitOfWork(request.app.state.database, actor.tenant_id, write=write)


def _session(uow: UnitOfWork, sid: str) -> Session:
    slot_id = commands.path_id(sid, "Session")
    if uow.offerings.slot(slot_id) is None:
        raise NotFound(f"Session {slot_id} not found.", field="sid")
    slot, offering = register.slot_and_offering(uow, slot_id)
    return Session(slot, offering)


def _booking(uow: UnitOfWork, session: Session, pid: str | int) -> m.Booking:
    booking_id = pid if isinstance(pid, int) else commands.path_id(pid, "Participant")
    booking = queries.booking_on_session(uow.session, session.slot, session.offering, booking_id)
    if booking is None:
        raise NotFound(f"Participant {booking_id} not found on session {session.slot.id}.", field="pid")
    return booking


@router.get(BASE)
def list_participants(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    actor = _caller(request, body)
    with _uow(request, actor, write=False) as uow:
        return respond(request, session_node(uow, _session(uow, sid)))


@router.post(BASE)
def add_booking(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """A booking with its payment (bookable session), or a plain register entry (payment optional)."""
    actor = _caller(request, body)
    record = _document(request, body).record()
    with _uow(request, actor) as uow:
        session = _session(uow, sid)
        command = commands.new_participant(record, payment_required=session.bookable)
        outcome = bookings.book(
            uow, actor, person_id=command.person_id, slot_id=session.slot.id, override_window=True,
            confirmed=command.confirmed,
            waitlist=WaitlistPolicy.IF_FULL if command.waiting_list else WaitlistPolicy.NEVER,
        )
        if command.payment is not None:
            _pay(uow, actor, outcome.booking, command.payment)
        person = uow.people.person(command.person_id)
        assert person is not None
        kept = fill_blank_details(uow, actor, person, command.details)
        response = respond(request, booking_node(uow, session, outcome.booking, kept), 201)
        uow.commit()
    return response


@router.put(BASE)
def put_register(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """`<participant>` adds or updates one person; `<participants>` replaces the whole register."""
    actor = _caller(request, body)
    document = _document(request, body)
    if document.root not in (None, "participant", LIST_ROOT):
        raise ApiError(400, "malformed_body", "Send <participant> or <participants> to this URL.")
    replace = document.root == LIST_ROOT
    lines = commands.register_lines(document.items()) if replace else [commands.register_line(document.record())]
    with _uow(request, actor) as uow:
        session = _session(uow, sid)
        if replace:
            register.replace_register(uow, actor, session.slot.id, lines, book_if_missing=not session.bookable)
        else:
            register.add_to_register(uow, actor, session.slot.id, lines[0], book_if_missing=not session.bookable)
        response = respond(request, session_node(uow, session))
        uow.commit()
    return response


@router.delete(BASE)
def remove_participants(request: Request, sid: str, body: bytes = Depends(raw_body)) -> Response:
    """A list of participant ids removed from a plain register, all or nothing."""
    actor = _caller(request, body)
    document = _document(request, body)
    if document.root != LIST_ROOT:
        raise ApiError(400, "malformed_body", "Send <participants><participant>ID</participant>...</participants>.")
    ids = commands.participant_ids(document.items())
    with _uow(request, actor) as uow:
        session = _session(uow, sid)
        if session.bookable:
            raise ApiError(409, "invalid_state", "This session is bookable: remove one participant at a time "
                           "(DELETE .../participants/{pid}), saying whether to refund or credit.")
        for booking in [_booking(uow, session, booking_id) for booking_id in ids]:
            bookings.cancel(uow, actor, booking.id, override_window=True)
        response = respond(request, session_node(uow, session))
        uow.commit()
    return response


@router.put(BASE + "/{pid}")
def update_booking(request: Request, sid: str, pid: str, body: bytes = Depends(raw_body)) -> Response:
    """`<payment>` records a payment (and confirms with `<Confirmed>`); `<booking>` (un)confirms."""
    actor = _caller(request, body)
    document = _document(request, body)
    record = document.record()
    if document.root not in (None, "payment", "booking"):
        raise ApiError(400, "malformed_body", "Send <payment> or <booking> to this URL.")
    is_payment = document.root == "payment" or (document.root is None and "PaymentType" in record)
    payment = commands.payment_of(record, required=True) if is_payment else None
    confirmed = commands.confirmed_of(record, required=not is_payment)
    with _uow(request, actor) as uow:
        session = _session(uow, sid)
        booking = _booking(uow, session, pid)
        if payment is not None:
            _pay(uow, actor, booking, payment)
        if confirmed is not None:
            bookings.set_confirmed(uow, actor, booking.id, confirmed)
        response = respond(request, booking_node(uow, session, booking))
        uow.commit()
    return response


@router.delete(BASE + "/{pid}")
def remove_participant(request: Request, sid: str, pid: str, body: bytes = Depends(raw_body)) -> Response:
    """Cancels the booking (the row and its ledger stay); `<refundtype>` settles the money held."""
    actor = _caller(request, body)
    settlement = Settlement.NONE
    if body.strip():
        document = _document(request, body)
        if document.root != "refundtype" or not isinstance(document.value, str):
            raise ApiError(400, "malformed_body",
                           "Send <refundtype>Refund</refundtype> or <refundtype>Credit</refundtype>.")
        settlement = commands.settlement_of(document.value)
    with _uow(request, actor) as uow:
        session = _session(uow, sid)
        booking = _booking(uow, session, pid)
        bookings.cancel(uow, actor, booking.id, settlement=settlement, override_window=True)
        response = respond(request, booking_node(uow, session, booking))
        uow.commit()
    return response


def _pay(uow: UnitOfWork, actor: Actor, booking: m.Booking | NewBooking, payment: commands.Payment) -> None:
    bookings.record_payment(uow, actor, booking.id, payment_type=payment.payment_type, amount=payment.amount,
                            fee=payment.fee, reference=payment.reference)
