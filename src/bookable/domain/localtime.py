"""Wall-clock time in a tenant's IANA zone, and the strict date/time formats the APIs accept.

Slots are stored as UTC instants; recurrence runs on local dates and times. This module is the one
place where a local date and time become an instant, so the rule for local times that do not exist
(spring forward) or exist twice (fall back) lives here. See docs/adr/0002-recurrence-and-local-time.md.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bookable.domain.errors import ValidationError

TIMES_REMEMBERED = 16_384
"""How many instants' local renderings an API remembers (a bounded LRU: ~2 MB)."""

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _zoneinfo(zone: str) -> ZoneInfo:
    return ZoneInfo(zone)


def validate_zone(zone: str) -> str:
    """Return `zone` unchanged when it is a known IANA name, else raise ValidationError(timezone).

    Names are matched exactly (case-sensitive, as in the tz database): `Europe/Stockholm`, `UTC`.
    """
    if not isinstance(zone, str) or zone not in _known_zones():
        raise ValidationError(f"unknown time zone: {zone!r}", field="timezone")
    try:
        _zoneinfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown time zone: {zone!r}", field="timezone") from exc
    return zone


@cache
def zone_info(zone: str) -> ZoneInfo:
    """The ZoneInfo for a validated IANA name (ValidationError(timezone) when unknown, which is
    never remembered). Remembered: every time a response shows is converted through it."""
    return _zoneinfo(validate_zone(zone))


def to_utc(local_date: date, local_time: time, zone: str) -> datetime:
    """The aware UTC instant of a wall-clock date and time in `zone`.

    Rule for the two awkward cases (PEP 495 fold=0, applied on purpose):

    - Nonexistent local time (spring-forward gap): the time moves forward by the length of the gap.
      02:30 on 2026-03-29 in Europe/Stockholm does not exist; it becomes 03:30 CEST = 01:30 UTC.
    - Ambiguous local time (fall-back overlap): the first occurrence, i.e. the earlier instant,
      still on summer time. 02:30 on 2026-10-25 in Europe/Stockholm is 02:30 CEST = 00:30 UTC.

    Any tzinfo or fold on `local_time` is ignored: the time is read as plain wall-clock time.
    """
    tz = zone_info(zone)
    wall = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    try:
        # With fold=0 zoneinfo uses the offset in force *before* a transition: for a gap that is
        # the (smaller) winter offset, which lands the instant `gap` after the last valid minute;
        # for an overlap it is the summer offset, i.e. the earlier of the two instants.
        return wall.replace(tzinfo=tz).astimezone(UTC)
    except OverflowError as exc:
        raise ValidationError(f"date out of range: {local_date.isoformat()}", field="date") from exc


def to_local(instant: datetime, zone: str) -> datetime:
    """The aware wall-clock datetime in `zone` of an aware instant.

    A naive datetime is a programming error (is it UTC? local?) and raises ValueError.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("to_local needs an aware datetime, got a naive one")
    tz = zone_info(zone)
    try:
        return instant.astimezone(tz)
    except OverflowError as exc:
        raise ValidationError(f"instant out of range: {instant.isoformat()}", field="date") from exc


def parse_date(text: str, field: str) -> date:
    """Parse strict `YYYY-MM-DD` (ASCII digits, no surrounding spaces); ValidationError(field) else."""
    match = _DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(f"{field} must be a date in YYYY-MM-DD format, got {text!r}", field=field)
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValidationError(f"{field} is not a valid date: {text!r}", field=field) from exc


def parse_time(text: str, field: str) -> time:
    """Parse strict `HH:MM` or `H:MM` (hours 00-23, minutes 00-59); ValidationError(field) else."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(f"{field} must be a time in HH:MM format, got {text!r}", field=field)
    hour, minute = (int(part) for part in match.groups())
    if hour > 23 or minute > 59:
        raise ValidationError(f"{field} is not a valid time: {text!r}", field=field)
    return time(hour, minute)
