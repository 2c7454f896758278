"""Class admin on the staff pages: one slot's page (`/{tenant}/staff/slots/{id}/manage`) to change its
capacity and online capacity (raising it promotes the waiting list, and the page says how many
moved up), move it (date, time, length), cancel it with its bookings (after a confirmation page)
or restore it. The rules are services.offerings' (change_capacity, update_slot, set_slot_cancelled),
as the native API's."""

from __future__ import annotations

import functools
from datetime import date, time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bookable.domain.errors import NotFound
from bookable.domain.events import EventType
from bookable.services import offerings
from bookable.storage.unit_of_work import UnitOfWork
from bookable.web.forms import BadForm, Posted, one_time_token, posted
from bookable.web.routing import router
from bookable.web.staff import engine
from bookable.web.staff.access import Staff, begin_staff
from bookable.web.staff.pages import done_once, messages, staff_page
from bookable.web.staff.register_pages import error_code
from bookable.web.staff.registers import Register, read_register


def manage_url(staff: Staff, slot_id: int, **query: Any) -> str:
    return staff.url(f"slots/{slot_id}/manage", **query)


def _checked(slot_id: int) -> int:
    if not 0 < slot_id < 2**31:
        raise NotFound("No such slot.")
    return slot_id


async def _class(staff: Staff, slot_id: int) -> Register:
    tenant_id = staff.visit.site.id
    return await engine.read(staff.database, tenant_id, lambda uow: read_register(uow, tenant_id, _checked(slot_id)))


@router.get("/{tenant}/staff/slots/{slot_id}/manage")
@staff_page
async def manage_page(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)
    shown = await _class(staff, slot_id)
    promoted = request.query_params.get("promoted", "")
    return staff.page("staff/manage.html", shown=shown, token=one_time_token,
                      local=staff.visit.formats.local(shown.starts_at),
                      promoted=int(promoted) if promoted.isdigit() and int(promoted) < 10_000 else 0,
                      **messages(staff, request))


async def _post(request: Request, staff: Staff, slot_id: int, work: Any, confirm: bool = False) -> Response:
    _checked(slot_id)
    try:
        form = await posted(request, staff.visit.session)
        token = form.one_time_token()
    except BadForm as bad:
        return staff.visit.redirect(manage_url(staff, slot_id, error=bad.code))
    if confirm and form.text("confirmed") != "1":
        return staff.page("staff/manage_confirm.html", shown=await _class(staff, slot_id), fields=dict(form.fields))
    return await done_once(staff, token, lambda uow: work(uow, form), functools.partial(manage_url, staff, slot_id),
                           error_code)


def _count(form: Posted, name: str, *, required: bool = True) -> int | None:
    text = form.text(name, 12).strip()
    if not text and not required:
        return None
    if not text.isdigit():
        raise BadForm("invalid_parameter")
    return int(text)


@router.post("/{tenant}/staff/slots/{slot_id}/capacity")
@staff_page
async def change_capacity(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, form: Posted) -> tuple[str, dict[str, int]]:
        spaces = _count(form, "spaces")
        assert spaces is not None
        offerings.change_capacity(uow, staff.actor, slot_id, spaces, _count(form, "online_spaces", required=False))
        promoted = sum(1 for event in uow.recorded if event.type == EventType.BOOKING_PROMOTED)
        return "capacity_changed", {"promoted": promoted}

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/move")
@staff_page
async def move_slot(request: Request, tenant: str, slot_id: int) -> Response:
    staff = await begin_staff(request, tenant)

    def work(uow: UnitOfWork, form: Posted) -> tuple[str, dict[str, int]]:
        try:
            day, at = date.fromisoformat(form.text("date", 10)), time.fromisoformat(form.text("time", 8))
        except ValueError:
            raise BadForm("invalid_parameter") from None
        offerings.update_slot(uow, staff.actor, slot_id, local_date=day, local_time=at.replace(second=0),
                              duration=_count(form, "duration", required=False))
        return "moved", {}

    return await _post(request, staff, slot_id, work)


@router.post("/{tenant}/staff/slots/{slot_id}/cancel")
@staff_page
async def cancel_class(request: Request, tenant: str, slot_id: int) -> Response:
    """Cancel the class and every booking on it (asked first), or restore it (`restore=1`)."""
    staff = await begin_staff(request, tenant)
    restoring = request.query_params.get("restore") == "1"

    def work(uow: UnitOfWork, form: Posted) -> tuple[str, dict[str, int]]:
        offerings.set_slot_cancelled(uow, staff.actor, slot_id, not restoring, cancel_bookings=True)
        return ("class_restored", {}) if restoring else ("class_cancelled", {})

    return await _post(request, staff, slot_id, work, confirm=not restoring)
