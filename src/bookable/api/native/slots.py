"""Slots: the dated occurrences people book. Anyone of the tenant reads them; staff move them,
change their capacity, cancel or restore them, and keep their register (who attended)."""

from __future__ import annotations

import datetime as dt
from datetime import date, time, timedelta

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.native.context import PREFIX, Caller, caller, staff
from bookable.api.native.crud import Input, changes_of
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_start, start_key
from bookable.api.native.representations import SlotOut, slots_out, zone_of
from bookable.api.native.values import Id, PathId
from bookable.domain.attendance import parse_volunteering
from bookable.domain.errors import NotFound
from bookable.domain.localtime import to_utc
from bookable.services import offerings as service
from bookable.services import register
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/slots", tags=["slots"], route_class=DirectRoute)


class SlotPatch(Input):
    date: dt.date | None = Field(None, description="New local date.")
    time: dt.time | None = Field(None, description="New local start time, HH:MM.")
    duration: int | None = Field(None, ge=1, le=20_160)
    spaces: int | None = Field(None, ge=0, le=100_000, description="Never below the places already held.")
    online_spaces: int | None = Field(None, ge=0, le=100_000, description="null = every space is bookable online.")

    @model_validator(mode="after")
    def _no_null_for_required(self) -> SlotPatch:
        for name in self.model_fields_set - {"online_spaces"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} must not be null")
        return self


class CancelSlotIn(Input):
    cancel_bookings: bool = Field(False, description="Cancel the slot's active bookings instead of refusing.")


class RegisterLineIn(Input):
    person_id: Id
    attended: bool | None = Field(None, description="Default: false, or true once the slot has started.")
    volunteering: list[str] | None = Field(None, max_length=50, description="Roles, e.g. [\"Made Coffee\"].")


class RegisterIn(Input):
    participants: list[RegisterLineIn] = Field(max_length=5000)


class ParticipantOut(BaseModel):
    booking_id: int
    person_id: int
    first_name: str
    last_name: str
    places: int
    status: str
    attended: bool
    volunteering: list[str]


def one_slot(uow: UnitOfWork, slot_id: PathId) -> SlotOut:
    slot = q.slot_view(uow.connection(), uow.tenant_id, slot_id)
    if slot is None:
        raise service.slot_not_found(slot_id)
    return slots_out(uow, [slot], zone_of(uow))[0]


@router.get("", response_model=PageOut[SlotOut])
async def list_slots(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    from_date: date | None = Query(None, alias="from", description="First local date (inclusive)."),
    to_date: date | None = Query(None, alias="to", description="Last local date (inclusive)."),
    business_unit_id: list[Id] = Query([]), product_id: list[Id] = Query([]), label_id: list[Id] = Query([]),
    resource_id: list[Id] = Query([]), offering_id: list[Id] = Query([]),
    status: str | None = Query(None, pattern="^(scheduled|cancelled)$", description="scheduled or cancelled."),
) -> JsonResponse:
    def page(uow: UnitOfWork) -> PageOut[SlotOut]:
        zone = zone_of(uow)
        filters = q.SlotFilter(
            business_unit_ids=tuple(business_unit_id), product_ids=tuple(product_id), label_ids=tuple(label_id),
            resource_ids=tuple(resource_id), offering_ids=tuple(offering_id),
            starts_from=to_utc(from_date, time(0), zone) if from_date else None,
            starts_before=to_utc(to_date + timedelta(days=1), time(0), zone) if to_date else None,
            cancelled=None if status is None else status == "cancelled",
        )
        rows = q.slot_page(uow.session, uow.tenant_id, filters, paging.page(decode_start))
        items, cursor = paging.split(rows, start_key)
        return PageOut[SlotOut](items=slots_out(uow, items, zone), next_cursor=cursor)

    return JsonResponse(await who.read(page))


@router.get("/{slot_id}", response_model=SlotOut)
async def get_slot(slot_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: one_slot(uow, slot_id)))


@router.patch("/{slot_id}", response_model=SlotOut)
async def update_slot(slot_id: PathId, body: SlotPatch, who: Caller = Depends(staff)) -> Response:
    changes = changes_of(body)

    def change(uow: UnitOfWork) -> SlotOut:
        slot = service.get_slot(uow, slot_id)
        if {"date", "time", "duration"} & changes.keys():
            service.update_slot(uow, who.actor, slot_id, local_date=body.date,
                                local_time=body.time.replace(second=0, microsecond=0) if body.time else None,
                                duration=body.duration)
        if {"spaces", "online_spaces"} & changes.keys():
            service.change_capacity(uow, who.actor, slot_id, changes.get("spaces", slot.spaces),
                                    changes.get("online_spaces", slot.online_spaces))
        return one_slot(uow, slot_id)

    return await who.write(change, JsonResponse)


@router.post("/{slot_id}/cancel", response_model=SlotOut)
async def cancel_slot(slot_id: PathId, body: CancelSlotIn | None = None, who: Caller = Depends(staff)) -> Response:
    def cancel(uow: UnitOfWork) -> SlotOut:
        service.set_slot_cancelled(uow, who.actor, slot_id, True,
                                   cancel_bookings=body.cancel_bookings if body else False)
        return one_slot(uow, slot_id)

    return await who.write(cancel, JsonResponse)


@router.post("/{slot_id}/restore", response_model=SlotOut)
async def restore_slot(slot_id: PathId, who: Caller = Depends(staff)) -> Response:
    def restore(uow: UnitOfWork) -> SlotOut:
        service.set_slot_cancelled(uow, who.actor, slot_id, False)
        return one_slot(uow, slot_id)

    return await who.write(restore, JsonResponse)


def register_out(uow: UnitOfWork, slot_id: PathId) -> list[ParticipantOut]:
    return [ParticipantOut(
        booking_id=row.booking.id, person_id=row.person.id, first_name=row.person.first_name,
        last_name=row.person.last_name, places=row.booking.places, status=row.booking.status,
        attended=bool(row.attendance and row.attendance.attended),
        volunteering=list(parse_volunteering(row.attendance.volunteering if row.attendance else "")),
    ) for row in register.participants(uow, _session(uow, slot_id))]


def _session(uow: UnitOfWork, slot_id: PathId) -> register.Session:
    try:
        return register.session_of(uow, slot_id)
    except NotFound:
        raise service.slot_not_found(slot_id) from None


@router.get("/{slot_id}/register", response_model=list[ParticipantOut], tags=["bookings"])
async def get_register(slot_id: PathId, who: Caller = Depends(staff)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: register_out(uow, slot_id)))


@router.put("/{slot_id}/register", response_model=list[ParticipantOut], tags=["bookings"])
async def replace_register(slot_id: PathId, body: RegisterIn, who: Caller = Depends(staff)) -> Response:
    """The register becomes exactly these people: missing ones are booked (staff: windows do not
    apply, capacity does); whoever is left out is cancelled, or marked absent if their booking is a
    whole course's or the slot is paid for (docs/native-api.md)."""
    lines = [register.RegisterLine(line.person_id, line.attended,
                                   None if line.volunteering is None else tuple(v.strip() for v in line.volunteering
                                                                                if v.strip()))
             for line in body.participants]

    def replace(uow: UnitOfWork) -> list[ParticipantOut]:
        register.replace(uow, who.actor, _session(uow, slot_id), lines)
        return register_out(uow, slot_id)

    return await who.write(replace, JsonResponse)
