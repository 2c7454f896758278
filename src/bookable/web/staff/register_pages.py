"""A slot's register (`/{tenant}/staff/slots/{id}/register`): tick attendance with one tap, note
volunteering roles, confirm or unconfirm, promote from the waiting list, add a walk-in (found by
name, email, card or customer number; booked by staff, so outside the booking window too); a
print view and a CSV export. Every form is a plain form (JavaScript off works), CSRF-protected,
done once (its one-time token), and answered by a redirect back to the register with a message."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.attendance import parse_volunteering
from bookable.domain.errors import DomainError, InvalidState, ValidationError
from bookable.domain.money import ZERO, parse_amount, parse_payment_type
from bookable.services import bookings, register
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.rendering import PAGE_HEADERS
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import done_once, messages, staff_page
from bookable.web.staff.registers import Register, read_register
from bookable.web.visit import PageNotFound

PAYMENT_TYPES = ("Cash", "Debit Card", "Credit Card", "Cheque", "Other")


def register_url(staff: Staff, slot_id: int, anchor: str = "", **query: Any) -> str:
    return staff.url(f"slots/{slot_id}/register", **query) + (f"#{anchor}" if anchor else "")


async def _register(staff: Staff, slot_id: int, search: str = "") -> Register:
    tenant_id = staff.visit.site.id
    return await engine.read(staff.database, tenant_id, lambda uow: read_register(uow, tenant_id, slot_id, search))


@router.get("/{tenant}/staff/slots/{slot_id}/register")
@staff_page
async def register_page(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    search = request.query_params.get("q", "").strip()[:100]
    shown = await _register(staff, _checked(slot_id), search)
    return staff.page("staff/register.html", register=shown, search=search, token=one_time_token,
                      payment_types=PAYMENT_TYPES, here=register_url(staff, slot_id),
                      print_url=staff.url(f"slots/{slot_id}/register/print"),
                      csv_url=staff.url(f"slots/{slot_id}/register.csv"), **messages(staff, request))


@router.get("/{tenant}/staff/slots/{slot_id}/register/print")
@staff_page
async def register_print(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    return staff.page("staff/register_print.html", register=await _register(staff, _checked(slot_id)),
                      back=register_url(staff, slot_id))


CSV_HEADER = ("Booking", "ContactID", "First name", "Last name", "Email", "Card number", "Status", "Places",
              "Attended", "Volunteering", "Paid", "Owes")


@router.get("/{tenant}/staff/slots/{slot_id}/register.csv")
@staff_page
async def register_csv(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    shown = await _register(staff, _checked(slot_id))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for p in shown.participants:
        writer.writerow([p.booking_id, p.person.id, *map(spreadsheet_safe, (
            p.person.first_name, p.person.last_name, p.person.email, p.person.card_number)), p.status, p.places,
            int(p.attended), spreadsheet_safe(p.volunteering), p.paid, p.owed])
    day = staff.visit.formats.local(shown.starts_at).date().isoformat()
    headers = {**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="register-{slot_id}-{day}.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _checked(slot_id: int) -> int:
    if not 0 < slot_id < 2**31:
        raise PageNotFound(str(slot_id))
    return slot_id


# ---------------------------------------------------------------- the register's forms

Work = Callable[[UnitOfWork, register.Session, Posted], str]
"""What one form does on the register's session; returns the code of its done message."""


async def _post(request: Request, staff: Staff, slot_id: int, work: Work) -> Response:
    _checked(slot_id)
    anchor = ""
    try:
        form = await posted(request, staff.visit.session)
        token = form.one_time_token()
        booking = form.number("booking", required=False)
        anchor = f"booking-{booking}" if booking else ""
    except BadForm as bad:
        return staff.visit.redirect(register_url(staff, slot_id, error=bad.code))

    def on_session(uow: UnitOfWork) -> str:
        return work(uow, register.session_of(uow, slot_id), form)

    return await done_once(staff, token, on_session, functools.partial(register_url, staff, slot_id, anchor),
                           error_code)


def error_code(error: DomainError) -> str:
    if isinstance(error, ValidationError) and error.field == "PaymentType" and "required" in error.message:
        return "payment_needed"
    if isinstance(error, ValidationError) and error.field in ("amount", "fee"):
        return "bad_amount"
    if isinstance(error, InvalidState) and error.field == "amount":
        return "more_than_held"
    return error.code


def _booking(form: Posted) -> int:
    booking = form.number("booking")
    assert booking is not None
    return booking


@router.post("/{tenant}/staff/slots/{slot_id}/attendance")
@staff_page
async def tick_attendance(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, session: register.Session, form: Posted) -> str:
        attended = form.text("attended") == "1"
        register.mark_participant(uow, staff.actor, session, _booking(form), attended=attended, volunteering=None)
        return "attended" if attended else "not_attended"

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/volunteering")
@staff_page
async def save_volunteering(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, session: register.Session, form: Posted) -> str:
        roles = parse_volunteering(form.bounded("volunteering", 500))
        register.mark_participant(uow, staff.actor, session, _booking(form), attended=None, volunteering=roles)
        return "volunteering"

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/confirm")
@staff_page
async def confirm(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, session: register.Session, form: Posted) -> str:
        booking = register.participant_on(uow, session, _booking(form))
        confirmed = form.text("confirmed") == "1"
        bookings.set_confirmed(uow, staff.actor, booking.id, confirmed)
        return "confirmed" if confirmed else "unconfirmed"

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/promote")
@staff_page
async def promote(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, session: register.Session, form: Posted) -> str:
        booking = register.participant_on(uow, session, _booking(form))
        bookings.promote_booking(uow, staff.actor, booking.id)
        return "promoted"

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/walk-in")
@staff_page
async def walk_in(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, session: register.Session, form: Posted) -> str:
        person = form.number("person")
        assert person is not None
        joined = register.join(uow, staff.actor, session, register.NewParticipant(
            person, payment=_payment(form), waiting_list=form.text("waiting") == "1"))
        return "walked_in_waiting" if joined.outcome.waitlisted else "walked_in"

    return await _post(request, staff, slot_id, work)


def _payment(form: Posted) -> register.Payment | None:
    """The walk-in's payment, when the form says one (a paid class needs it: register.join)."""
    if not form.text("payment_type"):
        return None
    fee = form.text("fee").strip()
    return register.Payment(parse_payment_type(form.text("payment_type")),
                            parse_amount(form.text("amount").strip(), "amount"),
                            parse_amount(fee, "fee") if fee else ZERO, form.bounded("reference", 200).strip())
