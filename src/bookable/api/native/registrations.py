"""Registrations (YourMembership): a person's registration for an offering, and the sessions
(slots) it holds. Staff only; deleting one is for admins and refused while it holds bookings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, admin, staff
from bookable.api.native.crud import (
    Input,
    as_is,
    change_row,
    changes_of,
    create_row,
    delete_row,
    read_row,
    zoned_row_list,
)
from bookable.api.native.http import JsonResponse
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
    zone = zone_of(uow)
    bookings = bookings_out(uow, uow.bookings.of_registration(row.id), zone)
    return RegistrationDetailOut(**render(row, zone).model_dump(), bookings=bookings)


@router.get("", response_model=PageOut[RegistrationOut])
async def list_registrations(
    who: Caller = Depends(staff), paging: PageParams = Depends(),
    offering_id: list[Id] = Query([]), person_id: list[Id] = Query([]),
) -> JsonResponse:
    return await zoned_row_list(who, paging, m.Registration, render,
                                {"offering_id": offering_id, "person_id": person_id})


@router.get("/{registration_id}", response_model=RegistrationDetailOut)
async def get_registration(registration_id: PathId, who: Caller = Depends(staff)) -> JsonResponse:
    return await read_row(who, lambda uow: detail(uow, catalog.get_registration(uow, registration_id)), as_is)


@router.post("", status_code=201, response_model=RegistrationDetailOut)
async def create_registration(body: RegistrationIn, who: Caller = Depends(staff)) -> Response:
    return await create_row(who, lambda uow: detail(uow, registrations.create_registration(
        uow, who.actor, body.offering_id, body.person_id, body.code, body.badge_number)), as_is, "registrations")


@router.patch("/{registration_id}", response_model=RegistrationDetailOut)
async def update_registration(registration_id: PathId, body: RegistrationPatch,
                              who: Caller = Depends(staff)) -> Response:
    return await change_row(who, lambda uow: detail(uow, catalog.update_registration(
        uow, who.actor, registration_id, changes_of(body))), as_is)


@router.delete("/{registration_id}", status_code=204, response_class=Response)
async def delete_registration(registration_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_registration(uow, who.actor, registration_id))


@router.post("/{registration_id}/sessions", response_model=RegistrationDetailOut)
async def assign_sessions(registration_id: PathId, body: SessionsIn, who: Caller = Depends(staff)) -> Response:
    """Book the registrant on each slot (a full slot puts them on its waiting list)."""

    def assign(uow: UnitOfWork) -> RegistrationDetailOut:
        row = catalog.get_registration(uow, registration_id)
        registrations.assign_sessions(uow, who.actor, row, body.slot_ids)
        return detail(uow, row)

    return await change_row(who, assign, as_is)


@router.delete("/{registration_id}/sessions/{slot_id}", response_model=RegistrationDetailOut)
async def remove_session(registration_id: PathId, slot_id: PathId, who: Caller = Depends(staff)) -> Response:
    """Cancel the registrant's booking on this slot (no refund; the booking row stays)."""

    def remove(uow: UnitOfWork) -> RegistrationDetailOut:
        row = catalog.get_registration(uow, registration_id)
        registrations.remove_sessions(uow, who.actor, row, [slot_id])
        return detail(uow, row)

    return await change_row(who, remove, as_is)
