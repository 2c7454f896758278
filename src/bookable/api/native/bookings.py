"""Bookings: book a slot (or a whole course), join a waiting list, cancel with a refund or a
credit note, confirm / unconfirm, attendance, payments and the ledger.

Members work on their own bookings only (another member's booking: 403); staff on anyone's.
Only staff may override a booking or cancellation window.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.errors import ApiError
from bookable.api.native.context import PREFIX, Caller, caller, staff
from bookable.api.native.crud import Input, location
from bookable.api.native.http import JsonResponse, created
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.api.native.representations import (
    BookingOut,
    booking_out,
    bookings_out,
    local_iso,
    new_booking_document,
    zone_of,
)
from bookable.api.native.values import Amount, Id, PathId
from bookable.domain.actors import Actor
from bookable.domain.errors import NotAllowed
from bookable.domain.money import PaymentType
from bookable.services import bookings as service
from bookable.services.bookings import Settlement, WaitlistPolicy
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/bookings", tags=["bookings"], route_class=DirectRoute)

Status = Literal["confirmed", "reserved", "waitlisted", "cancelled"]


class TargetIn(Input):
    person_id: Id | None = Field(None, description="Required for staff; members book for themselves.")
    slot_id: Id | None = Field(None, description="The slot to book (or any slot of a course: books it whole).")
    offering_id: Id | None = Field(None, description="Instead of slot_id: a course, or a one-slot offering.")
    places: int = Field(1, ge=1, le=100_000)
    confirmed: bool = Field(True, description="false makes a reserved (unconfirmed) booking; it holds places.")
    override_window: bool = Field(False, description="Staff only: book outside the booking window.")

    @model_validator(mode="after")
    def _one_target(self) -> TargetIn:
        if (self.slot_id is None) == (self.offering_id is None):
            raise ValueError("give exactly one of slot_id and offering_id")
        return self


class BookingIn(TargetIn):
    waitlist: Literal["never", "if_full"] = Field(
        "never", description="if_full: join the waiting list when it is full; never: 409 `full` instead.")


class CancelIn(Input):
    settlement: Literal["none", "refund", "credit"] = Field(
        "none", description="refund / credit: a refund or a credit note for what the booking still holds.")
    override_window: bool = Field(False, description="Staff only: cancel after the cancellation deadline.")


class AttendanceIn(Input):
    slot_id: Id | None = Field(None, description="Which slot (required for a whole-course booking).")
    attended: bool | None = Field(None, description="Default: false, or true once the slot has started.")
    volunteering: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=50)


class PaymentIn(Input):
    payment_type: Literal["Cash", "Cheque", "Debit Card", "Credit Card", "Other"]
    amount: Amount
    fee: Amount = Decimal("0")
    reference: str = Field("", max_length=200)
    confirm: bool = Field(False, description="Also confirm the booking (Views: a payment with Confirmed=1).")


class LedgerEntryOut(BaseModel):
    id: int
    kind: str = Field(description="payment, refund or credit_note.")
    payment_type: str | None
    amount: str
    fee: str
    reference: str
    created_at: str


class BalanceOut(BaseModel):
    paid: str
    refunded: str
    credited: str
    held: str = Field(description="paid - refunded - credited: what the organisation still holds.")


class LedgerOut(BaseModel):
    booking_id: int
    entries: list[LedgerEntryOut]
    balance: BalanceOut


class CancelOut(BaseModel):
    booking: BookingOut
    settled: str = Field(description="Amount refunded or credited by this cancellation.")
    promoted: list[BookingOut] = Field(description="Waiting bookings this cancellation promoted.")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def ledger_out(uow: UnitOfWork, booking_id: PathId) -> LedgerOut:
    zone = zone_of(uow)
    entries = [LedgerEntryOut(id=e.id, kind=e.kind, payment_type=e.payment_type, amount=_money(e.amount),
                              fee=_money(e.fee), reference=e.reference, created_at=local_iso(e.created_at, zone) or "")
               for e in uow.bookings.ledger(booking_id)]
    totals = service.ledger_balance(uow, booking_id)
    return LedgerOut(booking_id=booking_id, entries=entries, balance=BalanceOut(
        paid=_money(totals.paid), refunded=_money(totals.refunded), credited=_money(totals.credited),
        held=_money(totals.held)))


def _no_member_override(who: Caller, override: bool) -> None:
    if override and who.is_member:
        raise ApiError(403, "forbidden", "Only staff may override a booking or cancellation window.",
                       field="override_window")


async def _book(who: Caller, body: TargetIn, waitlist: WaitlistPolicy) -> Response:
    """The response is rendered after the booking's transaction, outside the write lock."""
    _no_member_override(who, body.override_window)
    return await who.write(_booking, _booked, who.actor, body, waitlist)


def _booking(uow: UnitOfWork, actor: Actor, body: TargetIn,
             waitlist: WaitlistPolicy) -> tuple[service.BookingOutcome, str]:
    outcome = service.book(uow, actor, person_id=body.person_id, slot_id=body.slot_id, offering_id=body.offering_id,
                           places=body.places, waitlist=waitlist, confirmed=body.confirmed,
                           override_window=body.override_window)
    return outcome, zone_of(uow)


def _booked(booked: tuple[service.BookingOutcome, str]) -> JsonResponse:
    outcome, zone = booked
    return created(new_booking_document(outcome, zone), location("bookings", outcome.booking.id))


@router.get("", response_model=PageOut[BookingOut], description="Members see only their own bookings.")
async def list_bookings(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    from_date: date | None = Query(None, alias="from", description="Bookings on slots from this local date."),
    to_date: date | None = Query(None, alias="to", description="... up to this local date (inclusive)."),
    business_unit_id: list[Id] = Query([]), product_id: list[Id] = Query([]), label_id: list[Id] = Query([]),
    resource_id: list[Id] = Query([]), offering_id: list[Id] = Query([]), slot_id: list[Id] = Query([]),
    person_id: list[Id] = Query([]), registration_id: list[Id] = Query([]), status: list[Status] = Query([]),
) -> JsonResponse:
    if who.is_member:
        if any(pid != who.person_id for pid in person_id):
            raise NotAllowed("Members may only list their own bookings.", field="person_id")
        person_id = [who.person_id]  # type: ignore[list-item]
    filters = q.BookingFilter(
        business_unit_ids=tuple(business_unit_id), product_ids=tuple(product_id), label_ids=tuple(label_id),
        resource_ids=tuple(resource_id), offering_ids=tuple(offering_id), from_date=from_date, to_date=to_date,
        statuses=tuple(status), person_ids=tuple(person_id), slot_ids=tuple(slot_id),
        registration_ids=tuple(registration_id))

    def page(uow: UnitOfWork) -> PageOut[BookingOut]:
        rows = q.booking_page(uow.session, uow.tenant_id, filters, paging.page(decode_id))
        items, cursor = paging.split(rows, id_key)
        return PageOut[BookingOut](items=bookings_out(uow, items, zone_of(uow)), next_cursor=cursor)

    return JsonResponse(await who.read(page))


@router.post("", status_code=201, response_model=BookingOut)
async def book(body: BookingIn, who: Caller = Depends(caller)) -> Response:
    """Book places. Full: 409 `full`, or with `waitlist: if_full` a waitlisted booking (201)."""
    return await _book(who, body, WaitlistPolicy(body.waitlist))


@router.post("/waiting-list", status_code=201, response_model=BookingOut)
async def join_waiting_list(body: TargetIn, who: Caller = Depends(caller)) -> Response:
    """Join the waiting list of a full slot or course. While places are free this books them
    instead (status confirmed): nobody waits for a place that is free."""
    return await _book(who, body, WaitlistPolicy.IF_FULL)


@router.get("/{booking_id}", response_model=BookingOut)
async def get_booking(booking_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: booking_out(uow, service.get_booking(uow, who.actor, booking_id))))


@router.post("/{booking_id}/cancel", response_model=CancelOut)
async def cancel_booking(booking_id: PathId, body: CancelIn | None = None, who: Caller = Depends(caller)) -> Response:
    """Cancel (the row and its ledger stay). Freed places promote the waiting list at once."""
    body = body or CancelIn.model_validate({})
    _no_member_override(who, body.override_window)
    if who.is_member and body.settlement != "none":
        raise ApiError(403, "forbidden", "Only staff may refund or credit a booking.", field="settlement")
    settlement = Settlement(body.settlement)

    def cancel(uow: UnitOfWork) -> CancelOut:
        outcome = service.cancel(uow, who.actor, booking_id, settlement=settlement,
                                 override_window=body.override_window)
        rendered = bookings_out(uow, [outcome.booking, *outcome.promoted], zone_of(uow))
        return CancelOut(booking=rendered[0], settled=_money(outcome.settled), promoted=rendered[1:])

    return await who.write(cancel, JsonResponse)


async def _set_confirmed(who: Caller, booking_id: PathId, confirmed: bool) -> Response:
    return await who.write(lambda uow: booking_out(uow, service.set_confirmed(uow, who.actor, booking_id, confirmed)),
                           JsonResponse)


@router.post("/{booking_id}/confirm", response_model=BookingOut)
async def confirm_booking(booking_id: PathId, who: Caller = Depends(staff)) -> Response:
    return await _set_confirmed(who, booking_id, True)


@router.post("/{booking_id}/unconfirm", response_model=BookingOut,
             description="Back to reserved: it still holds its places.")
async def unconfirm_booking(booking_id: PathId, who: Caller = Depends(staff)) -> Response:
    return await _set_confirmed(who, booking_id, False)


@router.put("/{booking_id}/attendance", response_model=BookingOut)
async def mark_attendance(booking_id: PathId, body: AttendanceIn, who: Caller = Depends(staff)) -> Response:
    roles = None if body.volunteering is None else tuple(v.strip() for v in body.volunteering if v.strip())

    def mark(uow: UnitOfWork) -> BookingOut:
        booking = service.get_booking(uow, who.actor, booking_id)
        slot = service.slot_of_booking(uow, booking, body.slot_id)
        service.mark_attendance(uow, who.actor, booking.id, slot, attended=body.attended, volunteering=roles)
        return booking_out(uow, booking)

    return await who.write(mark, JsonResponse)


@router.get("/{booking_id}/ledger", response_model=LedgerOut)
async def get_ledger(booking_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return JsonResponse(await who.read(
        lambda uow: ledger_out(uow, service.get_booking(uow, who.actor, booking_id).id)))


@router.post("/{booking_id}/payments", status_code=201, response_model=LedgerOut)
async def record_payment(booking_id: PathId, body: PaymentIn, who: Caller = Depends(staff)) -> Response:
    def pay(uow: UnitOfWork) -> LedgerOut:
        service.record_payment(uow, who.actor, booking_id, payment_type=PaymentType(body.payment_type),
                               amount=body.amount, fee=body.fee, reference=body.reference)
        if body.confirm:
            service.set_confirmed(uow, who.actor, booking_id, True)
        return ledger_out(uow, booking_id)

    return await who.write(pay, lambda out: created(out, location(f"bookings/{booking_id}", "ledger")))
