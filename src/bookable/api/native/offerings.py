"""Offerings: one-off events, courses (booked whole) and recurring classes, with their slots.

Staff create and change them; only admins delete. Fields left out of a create take the kind's
defaults (BookingBug's table: name, repeat, duration, min_cancel, max_advance, end_date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.errors import ApiError
from bookable.api.native.context import PREFIX, Caller, admin, caller, staff
from bookable.api.native.crud import Input, as_is, change_row, changes_of, create_row, delete_row
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.api.native.representations import SlotOut, local_iso, slots_out, zone_of
from bookable.api.native.values import Id, PathId, Price
from bookable.domain.localtime import to_utc
from bookable.domain.offering import KIND_DEFAULTS, Kind, OfferingSpec
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.services import offerings as service
from bookable.storage import models as m
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix=f"{PREFIX}/offerings", tags=["offerings"], route_class=DirectRoute)

Spaces = Annotated[int, Field(ge=0, le=100_000)]
Minutes = Annotated[int, Field(ge=1, le=20_160, description="Minutes.")]
Days = Annotated[int, Field(ge=0, le=3650, description="Days.")]
NULLABLE = {"end_date", "online_spaces", "price", "max_advance", "product_id", "business_unit_id",
            "publish_start", "publish_end", "max_upcoming_bookings"}
PLACEMENT = ("product_id", "business_unit_id", "resource_ids", "publish_start", "publish_end")


class CustomSlotIn(Input):
    date: dt.date
    time: dt.time = Field(description="Local start time, HH:MM.")
    duration: Minutes = 60


class OfferingFields(Input):
    """Every parameter an offering has besides its kind."""

    name: str | None = Field(None, min_length=1, max_length=50)
    group: str | None = Field(None, min_length=1, max_length=200, description="Display group (required on create).")
    description: str | None = Field(None, max_length=10_000)
    code: str | None = Field(None, max_length=64)
    event_message: str | None = Field(None, max_length=10_000)
    start_date: date | None = None
    start_time: time | None = Field(None, description="Local time, HH:MM.")
    end_date: date | None = Field(None, description="null on a recurring offering: open-ended, rolling horizon.")
    duration: Minutes | None = None
    spaces: Spaces | None = None
    online_spaces: Spaces | None = Field(None, description="Places bookable from the internet; null = all.")
    price: Price | None = None
    max_num_bookings: Annotated[int, Field(ge=1, le=100_000)] | None = None
    repeat: Annotated[int, Field(ge=0, le=8)] | None = Field(
        None, description="0 none, 1 weekly, 2 fortnightly, 3 weekdays, 4 weekends, 5 daily, 6 custom, "
                          "7 monthly by day, 8 monthly by weekday.")
    disabled: bool | None = None
    min_cancel: Days | None = Field(None, description="Cancellation allowed until this many days before start.")
    max_advance: Days | None = Field(None, description="Bookable from this many days before start; null = any time.")
    booking_cutoff_minutes: Annotated[int, Field(ge=0, le=525_600)] | None = None
    ask_address: bool | None = None
    ticket_type: Annotated[int, Field(ge=0, le=3)] | None = None
    waitlist_enabled: bool | None = None
    auto_promote: bool | None = Field(None, description="Promote the waiting list when places free up.")
    bookable_from_internet: bool | None = None
    max_upcoming_bookings: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="At most this many upcoming bookings of this offering per member; null = no limit.")
    slots: list[CustomSlotIn] | None = Field(None, max_length=1000, description="Custom slots (repeat 6).")
    product_id: Id | None = None
    business_unit_id: Id | None = None
    resource_ids: list[Id] | None = Field(None, max_length=100)
    publish_start: datetime | None = Field(None, description="ISO 8601; without an offset it is tenant-local.")
    publish_end: datetime | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> OfferingFields:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in NULLABLE:
                raise ValueError(f"{name} must not be null")
        return self


class OfferingIn(OfferingFields):
    kind: Literal["event", "course", "recurring"]


class OfferingPatch(OfferingFields):
    """Only the fields sent change. `slots` replaces every slot (existing bookings are kept where a
    slot stays; see `cancel_bookings`). The kind cannot change."""


class OfferingOut(BaseModel):
    id: int
    kind: str
    name: str
    group: str
    description: str
    code: str
    event_message: str
    start_date: str
    start_time: str
    end_date: str | None
    duration: int
    spaces: int
    online_spaces: int | None
    price: str | None
    max_num_bookings: int
    repeat: int
    disabled: bool
    min_cancel: int
    max_advance: int | None
    booking_cutoff_minutes: int
    ask_address: bool
    ticket_type: int
    waitlist_enabled: bool
    auto_promote: bool
    bookable_from_internet: bool
    max_upcoming_bookings: int | None
    product_id: int | None
    business_unit_id: int | None
    resource_ids: list[int]
    publish_start: str | None
    publish_end: str | None
    created_at: str
    updated_at: str


class OfferingDetailOut(OfferingOut):
    slots: list[SlotOut]


def render(row: m.Offering, zone: str) -> OfferingOut:
    return OfferingOut(
        id=row.id, kind=row.kind, name=row.name, group=row.group_name, description=row.description, code=row.code,
        event_message=row.event_message, start_date=row.start_date.isoformat(),
        start_time=row.start_time.strftime("%H:%M"), end_date=row.end_date.isoformat() if row.end_date else None,
        duration=row.duration, spaces=row.spaces, online_spaces=row.online_spaces,
        price=None if row.price is None else f"{row.price:.2f}", max_num_bookings=row.max_num_bookings,
        repeat=row.repeat, disabled=row.disabled, min_cancel=row.min_cancel, max_advance=row.max_advance,
        booking_cutoff_minutes=row.booking_cutoff_minutes, ask_address=row.ask_address, ticket_type=row.ticket_type,
        waitlist_enabled=row.waitlist_enabled, auto_promote=row.auto_promote,
        bookable_from_internet=row.bookable_from_internet, max_upcoming_bookings=row.max_upcoming_bookings,
        product_id=row.product_id,
        business_unit_id=row.business_unit_id, resource_ids=sorted(r.id for r in row.resources),
        publish_start=local_iso(row.publish_start, zone), publish_end=local_iso(row.publish_end, zone),
        created_at=local_iso(row.created_at, zone), updated_at=local_iso(row.updated_at, zone),
    )


def detail(uow: UnitOfWork, row: m.Offering) -> OfferingDetailOut:
    zone = zone_of(uow)
    slots = slots_out(uow, q.slot_views_of(uow.connection(), row.id), zone)
    return OfferingDetailOut(**render(row, zone).model_dump(), slots=slots)


def _utc(moment: datetime | None, zone: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return to_utc(moment.date(), moment.time(), zone)
    return moment.astimezone(UTC)


def _custom(body: OfferingFields) -> tuple[LocalOccurrence, ...] | None:
    if body.slots is None:
        return None
    return tuple(LocalOccurrence(s.date, s.time.replace(second=0, microsecond=0), s.duration) for s in body.slots)


def spec_of(body: OfferingIn) -> OfferingSpec:
    """The create request as a spec: what was sent, the kind's defaults for the rest."""
    kind = Kind(body.kind)
    defaults = KIND_DEFAULTS[kind]
    sent = changes_of(body, exclude={"kind", "slots", *PLACEMENT})
    custom = _custom(body) or ()
    if custom:
        sent.setdefault("start_date", min(o.date for o in custom))
        sent.setdefault("start_time", min(custom, key=lambda o: (o.date, o.time)).time)
        sent.setdefault("end_date", max(o.date for o in custom))
    if "group" not in sent:
        raise_missing("group")
    for required in ("start_date", "start_time"):
        if required not in sent:
            raise_missing(required)
    values: dict[str, Any] = {
        "name": defaults.name, "repeat": defaults.repeat, "duration": defaults.duration,
        "min_cancel": defaults.min_cancel, "max_advance": defaults.max_advance,
        "end_date": sent["start_date"] if defaults.end_date_is_start else None,
        **sent,
    }
    values["repeat"] = Repeat(values["repeat"])
    values["start_time"] = values["start_time"].replace(second=0, microsecond=0)
    return OfferingSpec(kind=kind, custom_slots=custom, **values)


def raise_missing(name: str) -> None:
    raise ApiError(422, "invalid_parameter", f"{name}: Field required", field=name)


def placement_of(body: OfferingFields, zone: str, current: m.Offering | None = None) -> service.Placement | None:
    sent = {name: value for name, value in changes_of(body).items() if name in PLACEMENT}
    if current is not None and not sent:
        return None
    base = service.Placement() if current is None else service.Placement(
        current.product_id, current.business_unit_id, tuple(r.id for r in current.resources),
        current.publish_start, current.publish_end)
    changes: dict[str, Any] = dict(sent)
    if "resource_ids" in changes:
        changes["resource_ids"] = tuple(dict.fromkeys(changes["resource_ids"]))
    for name in ("publish_start", "publish_end"):
        if name in changes:
            changes[name] = _utc(changes[name], zone)
    return replace(base, **changes)


@router.get("", response_model=PageOut[OfferingOut])
async def list_offerings(
    who: Caller = Depends(caller), paging: PageParams = Depends(),
    from_date: date | None = Query(None, alias="from", description="Only offerings with a slot on/after this date."),
    to_date: date | None = Query(None, alias="to", description="... and on/before this local date."),
    business_unit_id: list[Id] = Query([]), product_id: list[Id] = Query([]), label_id: list[Id] = Query([]),
    resource_id: list[Id] = Query([]), kind: list[Literal["event", "course", "recurring"]] = Query([]),
    disabled: bool | None = None,
) -> JsonResponse:
    filters = q.OfferingFilter(business_unit_ids=tuple(business_unit_id), product_ids=tuple(product_id),
                               label_ids=tuple(label_id), resource_ids=tuple(resource_id), from_date=from_date,
                               to_date=to_date, kinds=tuple(kind), disabled=disabled)

    def page(uow: UnitOfWork) -> PageOut[OfferingOut]:
        rows = q.offering_page(uow.session, uow.tenant_id, filters, paging.page(decode_id))
        items, cursor = paging.split(rows, id_key)
        zone = zone_of(uow)
        return PageOut[OfferingOut](items=[render(row, zone) for row in items], next_cursor=cursor)

    return JsonResponse(await who.read(page))


@router.get("/{offering_id}", response_model=OfferingDetailOut)
async def get_offering(offering_id: PathId, who: Caller = Depends(caller)) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: detail(uow, service.get_offering(uow, offering_id))))


@router.post("", status_code=201, response_model=OfferingDetailOut)
async def create_offering(body: OfferingIn, who: Caller = Depends(staff)) -> Response:
    def create(uow: UnitOfWork) -> OfferingDetailOut:
        placement = placement_of(body, zone_of(uow)) or service.Placement()
        return detail(uow, service.create_offering(uow, who.actor, spec_of(body), placement))

    return await create_row(who, create, as_is, "offerings")


@router.patch("/{offering_id}", response_model=OfferingDetailOut)
async def update_offering(
    offering_id: PathId, body: OfferingPatch, who: Caller = Depends(staff),
    cancel_bookings: bool = Query(False, description="Cancel the active bookings of slots this change drops."),
) -> Response:
    changes = changes_of(body, exclude={"slots", *PLACEMENT})
    if "repeat" in changes:
        changes["repeat"] = Repeat(changes["repeat"])
    if "start_time" in changes:
        changes["start_time"] = changes["start_time"].replace(second=0, microsecond=0)

    def update(uow: UnitOfWork) -> OfferingDetailOut:
        current = service.get_offering(uow, offering_id)
        row = service.update_offering(uow, who.actor, offering_id, changes, custom_slots=_custom(body),
                                      placement=placement_of(body, zone_of(uow), current),
                                      cancel_active=cancel_bookings)
        return detail(uow, row)

    return await change_row(who, update, as_is)


@router.delete("/{offering_id}", status_code=204, response_class=Response)
async def delete_offering(
    offering_id: PathId, who: Caller = Depends(admin),
    cancel_bookings: bool = Query(False, description="Cancel its active bookings instead of refusing."),
) -> Response:
    return await delete_row(who, lambda uow: service.delete_offering(uow, who.actor, offering_id,
                                                                      cancel_active=cancel_bookings))
