"""Registrations (YourMembership): a person's registration for an offering, and the sessions
(slots) it holds. Staff only; deleting one is for admins and refused while it holds bookings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, staff
from bookable.api.native.crud import Input, changes_of, location, row_list
from bookable.api.native.http import JsonResponse, created, no_content
from bookable.api.native.pagination import PageOut, PageParams
from bookable.api.native.representations import BookingOut, bookings_out, local_iso, zone_of
from bookable.api.native.values import Id, PathId
from bookable.services import catalog, registrations
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/registrations", tags=["registrations"], route_class=DirectRoute)


class RegistrationIn(Input):
    offering_id: Id
    person_id: Id
    code: str = Field(min_length=1, max_length=64, description="RegistrationID, unique per offering.")
    badge_number: int | None = Field(None, ge=0, le=2_147_483_647)


class RegistrationPatch(Input):
    code: str | None = Field(None, min_length=1, max_length=64)
    badge_number: int | None = Field(None, ge=0, le=2_147_483_647)


class SessionsIn(Input):
    slot_ids: list[Id] = Field(min_length=1, max_length=500)


class RegistrationOut(BaseModel):
    id: int
    offering_id: int
    person_id: int
    code: str
    badge_number: int | None
    created_at: str


class RegistrationDetailOut(RegistrationOut):
    bookings: list[BookingOut] = Field(description="The active bookings (sessions) it holds.")


def render(row: m.Registration, zone: str) -> RegistrationOut:
    return RegistrationOut(id=row.id, offering_id=row.offering_id, person_id=row.person_id, code=row.code,
                           badge_number=row.badge_number, created_at=local_iso(row.created_at, zone) or "")


def detail(uow: UnitOfWork, row: m.Registration) -> RegistrationDetailOut:
    uow.session.flush()
    zone = zone_of(uow)
    bookings = bookings_out(uow, uow.bookings.of_registration(row.id), zone)
    return RegistrationDetailOut(**render(row, zone).model_dump(), bookings=bookings)


@router.get("", response_model=PageOut[RegistrationOut])
def list_registrations(
    who: Caller = Depends(staff), paging: PageParams = Depends(),
    offering_id: list[Id] = Query([]), person_id: list[Id] = Query([]),
) -> JsonResponse:
    conditions = []
    if offering_id:
        conditions.append(m.Registration.offering_id.in_(offering_id))
    if person_id:
        conditions.append(m.Registration.person_id.in_(person_id))
    with who.uow(write=False) as uow:
        zone = zone_of(uow)
    return row_list(who, paging, m.Registration, lambda row: render(row, zone), *conditions)


@router.get("/{registration_id}", response_model=RegistrationDetailOut)
def get_registration(registration_id: PathId, who: Caller = Depends(staff)) -> JsonResponse:
    with who.uow(write=False) as uow:
        return JsonResponse(detail(uow, catalog.get_registration(uow, registration_id)))


@router.post("", status_code=201, response_model=RegistrationDetailOut)
def create_registration(body: RegistrationIn, who: Caller = Depends(staff)) -> JsonResponse:
    with who.uow() as uow:
        row = registrations.create_registration(uow, who.actor, body.offering_id, body.person_id, body.code,
                                                body.badge_number)
        out = detail(uow, row)
        uow.commit()
        return created(out, location("registrations", row.id))


@router.patch("/{registration_id}", response_model=RegistrationDetailOut)
def update_registration(registration_id: PathId, body: RegistrationPatch, who: Caller = Depends(staff)) -> JsonResponse:
    with who.uow() as uow:
        row = catalog.update_registration(uow, who.actor, registration_id, changes_of(body))
        out = detail(uow, row)
        uow.commit()
        return JsonResponse(out)


@router.delete("/{registration_id}", status_code=204, response_class=Response)
def delete_registration(registration_id: PathId, who: Caller = Depends(admin)) -> Response:
    with who.uow() as uow:
        catalog.delete_registration(uow, who.actor, registration_id)
        uow.commit()
    return no_content()


@router.post("/{registration_id}/sessions", response_model=RegistrationDetailOut)
def assign_sessions(registration_id: PathId, body: SessionsIn, who: Caller = Depends(staff)) -> JsonResponse:
    """Book the registrant on each slot (a full slot puts them on its waiting list)."""
    with who.uow() as uow:
        row = catalog.get_registration(uow, registration_id)
        registrations.assign_sessions(uow, who.actor, row, body.slot_ids)
        out = detail(uow, row)
        uow.commit()
        return JsonResponse(out)


@router.delete("/{registration_id}/sessions/{slot_id}", response_model=RegistrationDetailOut)
def remove_session(registration_id: PathId, slot_id: PathId, who: Caller = Depends(staff)) -> JsonResponse:
    """Cancel the registrant's booking on this slot (no refund; the booking row stays)."""
    with who.uow() as uow:
        row = catalog.get_registration(uow, registration_id)
        registrations.remove_sessions(uow, who.actor, row, [slot_id])
        out = detail(uow, row)
        uow.commit()
        return JsonResponse(out)
