"""People (`/{tenant}/staff/people`): find anyone by name, email, card or customer number; a person's
page with their details, bookings (waiting-list places with their position) and ledger; create and
edit people, their member logins (email, card and customer numbers, unique in the tenant) and a
member password. Creating and changing are `services.catalog.create_person` / `update_person`,
as the native API's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import DomainError, NotFound, ValidationError
from bookable.services import catalog
from bookable.storage.queries import staff as staff_reads
from bookable.storage.queries import web as web_reads
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.messages import error_message
from bookable.web.staff.pages import messages, staff_page
from bookable.web.staff.registers import person_of

EDITABLE = ("first_name", "last_name", "email", "card_number", "customer_number", "mobile_phone", "home_phone",
            "street_address", "postcode", "town", "language")


@router.get("/{tenant}/staff/people")
@staff_page
async def people_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    search = request.query_params.get("q", "").strip()[:100]
    tenant_id = staff.visit.site.id
    found = await engine.read(staff.database, tenant_id, lambda uow: [
        person_of(p) for p in staff_reads.search_people(uow.session, tenant_id, search, limit=50)]) if search else []
    return staff.page("staff/people.html", search=search, found=found, **messages(staff, request))


@dataclass(frozen=True)
class PersonPage:
    person: Any
    has_password: bool
    bookings: list[web_reads.MemberBooking]
    positions: dict[int, int]
    ledger: list[staff_reads.LedgerRow]


def _person_page(uow: UnitOfWork, tenant_id: int, person_id: int) -> PersonPage:
    row = catalog.get_person(uow, person_id)  # NotFound for another tenant's
    values = {name: getattr(row, name) or "" for name in EDITABLE}
    bookings = web_reads.member_bookings(uow.session, tenant_id, person_id)
    waiting = [b.id for b in bookings if b.status == "waitlisted"]
    return PersonPage({"id": row.id, **values}, bool(row.password_hash), bookings,
                      web_reads.waiting_positions(uow.connection(), waiting),
                      staff_reads.person_ledger(uow.session, tenant_id, person_id))


@router.get("/{tenant}/staff/people/new")
@staff_page
async def new_person_page(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    return _person_form(staff, None, {name: "" for name in EDITABLE})


def _person_form(staff: Staff, person_id: int | None, values: dict[str, str], error: str | None = None,
                 status: int = 200) -> Response:
    text = messages_for(staff, error)
    return staff.visit.page("staff/person_form.html", status=status, staff=staff, person_id=person_id, values=values,
                            token=one_time_token(), error=text, done=None)


def messages_for(staff: Staff, code: str | None) -> str | None:
    message = error_message(code)
    return staff.visit._(message) if message else None


@router.get("/{tenant}/staff/people/{person_id}")
@staff_page
async def person_page(request: Request, tenant: str, person_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    tenant_id = staff.visit.site.id
    shown = await engine.read(staff.database, tenant_id, lambda uow: _person_page(uow, tenant_id, _id(person_id)))
    return staff.page("staff/person.html", shown=shown, values=shown.person, person_id=person_id,
                      token=one_time_token(), **messages(staff, request))


@router.get("/{tenant}/staff/people/{person_id}/edit")
@staff_page
async def edit_person_page(request: Request, tenant: str, person_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    tenant_id = staff.visit.site.id
    shown = await engine.read(staff.database, tenant_id, lambda uow: _person_page(uow, tenant_id, _id(person_id)))
    return _person_form(staff, person_id, shown.person)


def _id(person_id: int) -> int:
    if not 0 < person_id < 2**31:
        raise NotFound("No such person.")
    return person_id


def _values(form: Posted) -> dict[str, str]:
    return {name: form.bounded(name, 200).strip() for name in EDITABLE}


@router.post("/{tenant}/staff/people/new")
@staff_page
async def create_person(request: Request, tenant: str) -> Response:
    staff = await begin_staff(request, tenant)
    return await _save(request, staff, None)


@router.post("/{tenant}/staff/people/{person_id}/edit")
@staff_page
async def update_person(request: Request, tenant: str, person_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    return await _save(request, staff, _id(person_id))


async def _save(request: Request, staff: Staff, person_id: int | None) -> Response:
    values: dict[str, str] = {name: "" for name in EDITABLE}
    try:
        form = await posted(request, staff.visit.session)
        values = _values(form)
        token, password = form.one_time_token(), form.bounded("password", 200) or None
    except BadForm as bad:
        return _person_form(staff, person_id, values, bad.code, status=400)

    def work(uow: UnitOfWork) -> int:
        chosen = {**values, "language": values["language"] or None}  # none: the tenant's
        if person_id is None:
            return catalog.create_person(uow, staff.actor, chosen, password=password).id
        return catalog.update_person(uow, staff.actor, person_id, chosen, password=password).id

    try:
        saved = await engine.act(staff.database, staff.visit.site.id, staff.user_id, token, work)
    except engine.Replayed:
        return staff.visit.redirect(staff.url(f"people/{person_id}" if person_id else "people", done="again"))
    except NotFound:
        raise
    except DomainError as error:
        return _person_form(staff, person_id, values, person_error(error), status=400)
    return staff.visit.redirect(staff.url(f"people/{saved}", done="person_saved"))


def person_error(error: DomainError) -> str:
    if isinstance(error, ValidationError):
        if error.field in catalog.LOGIN_COLUMNS and "Another person" in error.message:
            return "login_taken"
        if error.field == "email":
            return "bad_email"
        if error.field == "password":
            return "bad_password"
        if error.field == "language":
            return "bad_language"
    return error.code

