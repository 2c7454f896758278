"""Steps every catalogue resource shares: a page of rows, one row, create, change and delete one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from starlette.responses import Response

from bookable.api.native.context import Caller
from bookable.api.native.http import JsonResponse, created, no_content
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

PREFIX = "/api/v1"


class Input(BaseModel):
    """Request bodies refuse unknown fields (a typo is a 422, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("text must not contain NUL characters")
        return value


def has_nul(value: Any) -> bool:
    """NUL can be sent in JSON ("\u0000") but no database text column can hold it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def changes_of(body: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """Only the fields the client sent (a PATCH changes nothing else)."""
    return body.model_dump(exclude_unset=True, exclude=exclude)


async def row_list(who: Caller, paging: PageParams, model: type[Any], render: Callable[[Any], BaseModel],
                   matching: Mapping[str, Any] | None = None) -> JsonResponse:
    """A page of a tenant's rows, each column of `matching` equal to (or one of) its value."""
    return await zoned_row_list(who, paging, model, lambda row, _zone: render(row), matching)


async def zoned_row_list(who: Caller, paging: PageParams, model: type[Any], render: Callable[[Any, str], BaseModel],
                         matching: Mapping[str, Any] | None = None) -> JsonResponse:
    """row_list() of rows rendered with the tenant's time zone."""

    def page(uow: UnitOfWork) -> PageOut[Any]:
        rows = q.row_page(uow.session, uow.tenant_id, model, paging.page(decode_id), matching)
        items, cursor = paging.split(rows, id_key)
        zone = uow.zone(uow.tenant_id)
        return PageOut[Any](items=[render(row, zone) for row in items], next_cursor=cursor)

    return JsonResponse(await who.read(page))


async def read_row(who: Caller, fetch: Callable[[UnitOfWork], Any], render: Callable[[Any], BaseModel]) -> JsonResponse:
    return JsonResponse(await who.read(lambda uow: render(fetch(uow))))


async def create_row(who: Caller, make: Callable[[UnitOfWork], Any], render: Callable[[Any], Any],
                     resource: str) -> Response:
    """A new row (`render` gives what the response shows of it, with its `id`): 201 with its Location."""
    return await who.write(lambda uow: render(make(uow)), lambda out: created(out, location(resource, out.id)))


async def change_row(who: Caller, change: Callable[[UnitOfWork], Any], render: Callable[[Any], Any]) -> Response:
    return await who.write(lambda uow: render(change(uow)), JsonResponse)


async def delete_row(who: Caller, delete: Callable[[UnitOfWork], Any]) -> Response:
    return await who.write(delete, lambda _: no_content())


def as_is(rendered: Any) -> Any:
    """A render step for work that already renders what the response shows."""
    return rendered


def location(resource: str, row_id: int | str) -> str:
    return f"{PREFIX}/{resource}/{row_id}"
