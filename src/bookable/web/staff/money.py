"""Money on the staff pages: a booking's page (`/{tenant}/staff/bookings/{id}`) with its ledger and
the balance derived from it; recording a payment (the engine's payment types, amount, fee,
reference); a refund or a credit note for part or all of what it holds, and cancelling it with a
refund or credit note, each after a confirmation page; and a day's takings with a CSV export.
The rules are the services' (services.bookings: record_payment, give_back, cancel)."""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import NotFound
from bookable.domain.localtime import to_local, to_utc
from bookable.domain.member_options import amount_owed
from bookable.domain.money import ZERO, Balance, EntryKind, PaymentType, parse_amount, parse_payment_type
from bookable.services import bookings
from bookable.services.bookings import Settlement
from bookable.storage.queries import staff as staff_reads
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.rendering import PAGE_HEADERS
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import done_once, messages, staff_page
from bookable.web.staff.register_pages import PAYMENT_TYPES, error_code, spreadsheet_safe
from bookable.web.staff.registers import Person, person_of


@dataclass(frozen=True)
class BookingPage:
    id: int
    person: Person
    name: str
    starts_at: datetime
    slot_id: int | None
    status: str
    places: int
    price: Decimal | None
    ledger: list[staff_reads.LedgerRow]
    balance: Balance

    @property
    def owed(self) -> Decimal:
        return ZERO if self.status in ("cancelled", "waitlisted") else amount_owed(self.price, self.places,
                                                                                   self.balance)


def _booking_page(uow: UnitOfWork, booking_id: int) -> BookingPage:
    booking = uow.bookings.booking(booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    target = bookings.target_of(uow, booking)
    person = uow.people.person(booking.person_id)
    assert person is not None
    entries = [staff_reads.LedgerRow(e.id, e.booking_id, e.kind, e.payment_type, e.amount, e.fee, e.reference,
                                     e.created_at) for e in uow.bookings.ledger(booking.id)]
    return BookingPage(booking.id, person_of(person), target.offering.name, target.first_start, target.slot_id,
                       booking.status, booking.places, target.offering.price, entries,
                       bookings.ledger_balance(uow, booking.id))


def _id(number: int) -> int:
    if not 0 < number < 2**31:
        raise NotFound("No such booking.")
    return number


async def _read_booking(staff: Staff, booking_id: int) -> BookingPage:
    return await engine.read(staff.database, staff.visit.site.id, lambda uow: _booking_page(uow, _id(booking_id)))


@router.get("/{tenant}/staff/bookings/{booking_id}")
@staff_page
async def booking_page(request: Request, tenant: str, booking_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    shown = await _read_booking(staff, booking_id)
    return staff.page("staff/booking.html", shown=shown, payment_types=PAYMENT_TYPES, token=one_time_token,
                      **messages(staff, request))


def booking_url(staff: Staff, booking_id: int, **query: Any) -> str:
    return staff.url(f"bookings/{booking_id}", **query)


@router.post("/{tenant}/staff/bookings/{booking_id}/pay")
@staff_page
async def record_payment(request: Request, tenant: str, booking_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, form: Posted) -> str:
        fee = form.text("fee").strip()
        paid_by = parse_payment_type(form.text("payment_type"))
        bookings.record_payment(uow, staff.actor, booking_id, payment_type=paid_by,
                                amount=parse_amount(form.text("amount").strip(), "amount"),
                                fee=parse_amount(fee, "fee") if fee else ZERO,
                                reference=form.bounded("reference", 200).strip())
        return "paid"

    return await _post(request, staff, _id(booking_id), work)


GIVE_BACK = {"refund": EntryKind.REFUND, "credit_note": EntryKind.CREDIT_NOTE}


@router.post("/{tenant}/staff/bookings/{booking_id}/give-back")
@staff_page
async def give_back(request: Request, tenant: str, booking_id: int) -> Response:
    """A refund or a credit note: the first post shows what will be done and asks to confirm."""
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, form: Posted) -> str:
        kind = GIVE_BACK.get(form.text("kind"))
        if kind is None:
            raise BadForm("invalid_parameter")
        bookings.give_back(uow, staff.actor, booking_id, kind, parse_amount(form.text("amount").strip(), "amount"),
                           form.bounded("reference", 200).strip())
        return kind.value

    return await _post(request, staff, _id(booking_id), work, confirm="give_back")


SETTLEMENTS = {"none": Settlement.NONE, "refund": Settlement.REFUND, "credit": Settlement.CREDIT}


@router.post("/{tenant}/staff/bookings/{booking_id}/cancel")
@staff_page
async def cancel_booking(request: Request, tenant: str, booking_id: int) -> Response:
    """Cancel (staff: outside the cancellation window too), refunding or crediting what it holds."""
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, form: Posted) -> str:
        settlement = SETTLEMENTS.get(form.text("settlement"))
        if settlement is None:
            raise BadForm("invalid_parameter")
        bookings.cancel(uow, staff.actor, booking_id, settlement=settlement, override_window=True)
        return "booking_cancelled"

    return await _post(request, staff, _id(booking_id), work, confirm="cancel")


async def _post(request: Request, staff: Staff, booking_id: int, work: Any, confirm: str | None = None) -> Response:
    try:
        form = await posted(request, staff.visit.session)
        token = form.one_time_token()
    except BadForm as bad:
        return staff.visit.redirect(booking_url(staff, booking_id, error=bad.code))
    if confirm is not None and form.text("confirmed") != "1":
        shown = await _read_booking(staff, booking_id)
        return staff.page("staff/confirm.html", shown=shown, action=confirm, fields=dict(form.fields), token=token)
    return await done_once(staff, token, lambda uow: work(uow, form), functools.partial(booking_url, staff, booking_id),
                           error_code)


# ---------------------------------------------------------------- a day's takings


@dataclass(frozen=True)
class Takings:
    day: date
    entries: list[staff_reads.Taking]

    def total(self, kind: str) -> Decimal:
        return sum((t.entry.amount for t in self.entries if t.entry.kind == kind), start=ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((t.entry.fee for t in self.entries if t.entry.kind == "payment"), start=ZERO)

    @property
    def net(self) -> Decimal:
        return self.total("payment") - self.total("refund")

    @property
    def by_type(self) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for t in self.entries:
            if t.entry.kind == "payment":
                totals[t.entry.payment_type or PaymentType.OTHER.value] += t.entry.amount
        return sorted(totals.items())


async def _takings(staff: Staff, request: Request) -> Takings:
    zone, tenant_id = staff.visit.site.timezone, staff.visit.site.id
    today = to_local(staff.visit.now, zone).date()
    try:
        day = date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        day = today
    day = day if abs((day - today).days) < 3 * 366 else today
    start, end = to_utc(day, time(0, 0), zone), to_utc(day + timedelta(days=1), time(0, 0), zone)
    entries = await engine.read(staff.database, tenant_id,
                                lambda uow: staff_reads.ledger_between(uow.session, tenant_id, start, end))
    return Takings(day, entries)


@router.get("/{tenant}/staff/takings")
@staff_page
async def takings_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    shown = await _takings(staff, request)
    return staff.page("staff/takings.html", takings=shown,
                      csv_url=staff.url("takings.csv", day=shown.day.isoformat()),
                      previous=staff.url("takings", day=(shown.day - timedelta(days=1)).isoformat()),
                      next=staff.url("takings", day=(shown.day + timedelta(days=1)).isoformat()))


@router.get("/{tenant}/staff/takings.csv")
@staff_page
async def takings_csv(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    shown = await _takings(staff, request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("Entry", "Time", "Booking", "Person", "What", "Kind", "Payment type", "Amount", "Fee",
                     "Reference"))
    for t in shown.entries:
        e = t.entry
        writer.writerow((e.id, staff.visit.formats.local(e.created_at).isoformat(timespec="seconds"), e.booking_id,
                         spreadsheet_safe(t.person), spreadsheet_safe(t.what), e.kind, e.payment_type or "",
                         e.amount, e.fee, spreadsheet_safe(e.reference)))
    headers = {**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="takings-{shown.day.isoformat()}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

