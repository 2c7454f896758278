"""Pagination of every list: `limit` (1-500, default 100) with either `offset` or `cursor`.

A list answers `{"items": [...], "next_cursor": "..." | null}`. `next_cursor` is opaque: pass it
back as `cursor` to get the rows after the last one seen (stable while rows are added); `offset`
skips rows instead. Giving both is refused.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel, Field

from bookable.api.errors import ApiError
from bookable.api.ids import is_id
from bookable.storage.queries.native import MAX_LIMIT, Page

Item = TypeVar("Item")


class PageOut(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(None, description="Pass back as `cursor` for the next page; null on the last.")


class PageParams:
    def __init__(
        self,
        limit: int = Query(100, ge=1, le=MAX_LIMIT, description="Rows per page (at most 500)."),
        offset: int = Query(0, ge=0, le=10_000_000, description="Rows to skip (instead of a cursor)."),
        cursor: str | None = Query(None, max_length=200, description="`next_cursor` of the previous page."),
    ) -> None:
        if cursor and offset:
            raise ApiError(422, "invalid_parameter", "Give either offset or cursor, not both.", field="cursor")
        self.limit, self.offset, self.cursor = limit, offset, cursor

    def page(self, decode: Callable[[list[Any]], tuple[Any, ...]] = tuple) -> Page:
        after = _decode(self.cursor, decode) if self.cursor else None
        return Page(limit=self.limit, offset=self.offset, after=after)

    def split(self, rows: Sequence[Item], key: Callable[[Item], list[Any]]) -> tuple[list[Item], str | None]:
        """The rows of this page, and the cursor of the next page if there is one."""
        if len(rows) <= self.limit:
            return list(rows), None
        shown = list(rows[: self.limit])
        return shown, _encode(key(shown[-1]))


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def _decode(cursor: str, decode: Callable[[list[Any]], tuple[Any, ...]]) -> tuple[Any, ...]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or not values:
            raise ValueError(cursor)
        return decode(values)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ApiError(422, "invalid_parameter", "cursor is not one this API handed out.", field="cursor") from None


def id_key(row: Any) -> list[Any]:
    return [row.id]


def decode_id(values: list[Any]) -> tuple[Any, ...]:
    if len(values) != 1 or not _an_id(values[0]):
        raise ValueError(values)
    return (values[0],)


def _an_id(value: Any) -> bool:
    """A cursor is ours only if it holds an id we could have handed out (a forged one could hold
    any number, which PostgreSQL would not even compare with an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and is_id(value)


def start_key(slot: Any) -> list[Any]:
    return [slot.starts_at.isoformat(), slot.id]


def decode_start(values: list[Any]) -> tuple[Any, ...]:
    if len(values) != 2 or not isinstance(values[0], str) or not _an_id(values[1]):
        raise ValueError(values)
    starts_at = datetime.fromisoformat(values[0])
    if starts_at.tzinfo is None:
        raise ValueError(values)
    return (starts_at, values[1])
