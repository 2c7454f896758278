"""Steps every catalogue resource shares: a page of rows, one row, the Location of a new row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bookable.api.native.context import Caller
from bookable.api.native.http import JsonResponse
from bookable.api.native.pagination import PageOut, PageParams, decode_id, id_key
from bookable.storage.queries import native as q

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


def row_list(who: Caller, paging: PageParams, model: type[Any], render: Callable[[Any], BaseModel],
             *conditions: Any) -> JsonResponse:
    with who.uow(write=False) as uow:
        rows = q.row_page(uow.session, uow.tenant_id, model, paging.page(decode_id), *conditions)
        items, cursor = paging.split(rows, id_key)
        return JsonResponse(PageOut[Any](items=[render(row) for row in items], next_cursor=cursor))


def location(resource: str, row_id: int | str) -> str:
    return f"{PREFIX}/{resource}/{row_id}"
