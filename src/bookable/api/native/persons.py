"""Persons (members, contacts, bookers). Staff manage everyone; a member reads and changes only
their own record (`/persons/me` or their id). A password is write-only: it is set, never shown."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from bookable.api.direct_route import DirectRoute
from bookable.api.errors import ApiError
from bookable.api.native.context import PREFIX, Caller, admin, caller, staff
from bookable.api.native.crud import Input, as_is, change_row, changes_of, create_row, delete_row, zoned_row_list
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams
from bookable.api.native.representations import local_iso, zone_of
from bookable.api.native.values import PathId
from bookable.services import catalog
from bookable.storage import models as m

router = APIRouter(prefix=f"{PREFIX}/persons", tags=["persons"], route_class=DirectRoute)
Gender = Literal["male", "female"]
Language = Literal["sv", "en"]


class PersonFields(Input):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=200, description="Also a member login: unique in the tenant.")
    street_address: str | None = Field(None, max_length=200)
    address2: str | None = Field(None, max_length=200)
    town: str | None = Field(None, max_length=100)
    county: str | None = Field(None, max_length=100)
    postcode: str | None = Field(None, max_length=20)
    home_phone: str | None = Field(None, max_length=40)
    mobile_phone: str | None = Field(None, max_length=40)
    work_phone: str | None = Field(None, max_length=40)
    gender: Gender | None = None
    person_number: str | None = Field(None, max_length=32)
    card_number: str | None = Field(None, max_length=64, description="Member login; unique in the tenant.")
    customer_number: str | None = Field(None, max_length=64, description="Member login; unique in the tenant.")
    contact_type: str | None = Field(None, max_length=32, description="Views ContactType, e.g. Individual.")
    language: Language | None = Field(None, description="The language of the person's emails; null: the tenant's. "
                                                        "Set also when the member logs in or switches language "
                                                        "on the web pages.")
    password: str | None = Field(None, min_length=8, max_length=200,
                                 description="Write-only: sets the member's login password.")


class PersonOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    email: str | None
    street_address: str
    address2: str
    town: str
    county: str
    postcode: str
    home_phone: str
    mobile_phone: str
    work_phone: str
    gender: str | None
    person_number: str
    card_number: str | None
    customer_number: str | None
    contact_type: str
    language: str | None
    has_password: bool = Field(description="Whether the person can log in as a member.")
    created_at: str


def render(row: m.Person, zone: str) -> PersonOut:
    values = {name: getattr(row, name) for name in catalog.PERSON_FIELDS}
    return PersonOut(id=row.id, **values, has_password=bool(row.password_hash),
                     created_at=local_iso(row.created_at, zone) or "")


def _person_id(who: Caller, person_id: PathId | str) -> int:
    if person_id == "me":
        if who.person_id is None:
            raise ApiError(403, "forbidden", "Only members have a person record of their own.")
        return who.person_id
    return int(person_id)


def _split(body: PersonFields) -> tuple[dict[str, object], str | None]:
    return changes_of(body, exclude={"password"}), body.password


@router.get("", response_model=PageOut[PersonOut])
async def list_persons(
    who: Caller = Depends(staff), paging: PageParams = Depends(),
    email: str | None = Query(None, max_length=200), card_number: str | None = Query(None, max_length=64),
    customer_number: str | None = Query(None, max_length=64),
) -> JsonResponse:
    matching = {"email": email or None, "card_number": card_number or None,
                "customer_number": customer_number or None}
    return await zoned_row_list(who, paging, m.Person, render, matching)


@router.get("/{person_id}", response_model=PersonOut,
            description="`me` for the calling member's own record.")
async def get_person(person_id: PathId | Literal["me"], who: Caller = Depends(caller)) -> JsonResponse:
    wanted = _person_id(who, person_id)
    return JsonResponse(await who.read(lambda uow: render(catalog.read_person(uow, who.actor, wanted),
                                                          zone_of(uow))))


@router.post("", status_code=201, response_model=PersonOut)
async def create_person(body: PersonFields, who: Caller = Depends(staff)) -> Response:
    values, password = _split(body)
    return await create_row(who, lambda uow: render(catalog.create_person(uow, who.actor, values, password=password),
                                                    zone_of(uow)), as_is, "persons")


@router.patch("/{person_id}", response_model=PersonOut,
              description="Members may change their own record (not card or customer number).")
async def update_person(person_id: PathId | Literal["me"], body: PersonFields,
                        who: Caller = Depends(caller)) -> Response:
    wanted = _person_id(who, person_id)
    values, password = _split(body)
    return await change_row(who, lambda uow: render(catalog.update_person(uow, who.actor, wanted, values,
                                                                          password=password), zone_of(uow)),
                            as_is)


@router.delete("/{person_id}", status_code=204, response_class=Response)
async def delete_person(person_id: PathId, who: Caller = Depends(admin)) -> Response:
    return await delete_row(who, lambda uow: catalog.delete_person(uow, who.actor, person_id))
