"""Recurrence rules: which local dates and times a recurring offering has slots on.

The rules are BookingBug's `repeat` values 0-8. Everything here is wall-clock local time: an 18:00
class is at 18:00 on every date, whatever daylight saving does; `occurrence_instants` turns the
result into UTC instants with the rule of `localtime.to_utc`. The dates come from dateutil's rrule,
never from hand-written date loops. See docs/adr/0002-recurrence-and-local-time.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import islice
from typing import Any

from dateutil import rrule

from bookable.domain.errors import ValidationError
from bookable.domain.localtime import to_utc, validate_zone

MAX_OCCURRENCES = 2000
"""A rule (or custom list) that yields more occurrences than this is refused."""

MAX_DURATION = 366 * 24 * 60
"""Longest occurrence in minutes (one leap year); a duration must be 1..MAX_DURATION."""


class Repeat(IntEnum):
    """BookingBug's `repeat` values (spec 001)."""

    NONE = 0
    WEEKLY = 1
    FORTNIGHTLY = 2
    WEEKDAYS = 3
    WEEKENDS = 4
    DAILY = 5
    CUSTOM = 6
    MONTHLY_BY_DAY = 7
    MONTHLY_BY_WEEKDAY = 8


@dataclass(frozen=True)
class LocalOccurrence:
    """One occurrence in wall-clock local time: a date, a start time and a duration in minutes."""

    date: dt.date
    time: dt.time
    duration: int  # minutes


def occurrences(
    repeat: Repeat,
    *,
    start_date: dt.date,
    start_time: dt.time,
    duration: int,
    end_date: dt.date | None,
    horizon: dt.date | None,
    custom: Sequence[LocalOccurrence] = (),
) -> list[LocalOccurrence]:
    """The local occurrences of a rule, sorted by (date, time).

    - NONE: one occurrence on start_date (end_date and horizon do not limit it).
    - CUSTOM: exactly `custom`, sorted by (date, time); an empty list gives one occurrence at
      start_date/start_time. end_date and horizon do not limit it.
    - The repeating rules run from start_date until end_date inclusive, or until `horizon`
      inclusive when end_date is None (open-ended); with both set, until the earlier of the two.
      An effective end before start_date (horizon not reached yet) gives an empty list.
      WEEKDAYS / WEEKENDS only yield matching days, so start_date itself is skipped when it
      is not one of them.
    - MONTHLY_BY_DAY: the start date's day of month, or the month's last day when it is shorter.
    - MONTHLY_BY_WEEKDAY: the nth weekday of the start date (3rd Tuesday); a 5th weekday
      repeats on the last such weekday of each month.

    Raises ValidationError: end_date before start_date (field end_date), a repeating rule with
    neither end_date nor horizon (end_date), more than MAX_OCCURRENCES (end_date), a duration
    outside 1..MAX_DURATION (duration), a rule value outside 0-8 (repeat), a custom list longer
    than MAX_OCCURRENCES (slots).
    """
    rule = _as_repeat(repeat)
    if end_date is not None and end_date < start_date:
        raise ValidationError(
            f"end_date {end_date.isoformat()} is before start_date {start_date.isoformat()}",
            field="end_date",
        )
    if rule is Repeat.CUSTOM and custom:
        return _custom(custom)
    _check_duration(duration)
    if rule in (Repeat.NONE, Repeat.CUSTOM):
        return [LocalOccurrence(start_date, start_time, duration)]

    until = _effective_end(end_date, horizon)
    if until < start_date:
        return []
    dates = _dates(_rrule_kwargs(rule, start_date), start_date, until)
    return [LocalOccurrence(day, start_time, duration) for day in dates]


def occurrence_instants(occs: Iterable[LocalOccurrence], zone: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start_utc, end_utc) of each occurrence, in order.

    The start follows `localtime.to_utc` (gap: moved forward; overlap: the earlier instant); the
    end is start + duration in absolute time, so a 60-minute class across a DST change still
    lasts 60 minutes.
    """
    validate_zone(zone)
    pairs: list[tuple[dt.datetime, dt.datetime]] = []
    for occ in occs:
        start = to_utc(occ.date, occ.time, zone)
        pairs.append((start, start + dt.timedelta(minutes=occ.duration)))
    return pairs


def _as_repeat(repeat: Repeat | int) -> Repeat:
    try:
        return Repeat(repeat)
    except ValueError as exc:
        raise ValidationError(f"repeat must be 0-8, got {repeat!r}", field="repeat") from exc


def _check_duration(duration: int) -> None:
    if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= MAX_DURATION:
        raise ValidationError(
            f"duration must be 1-{MAX_DURATION} minutes, got {duration!r}", field="duration"
        )


def _custom(custom: Sequence[LocalOccurrence]) -> list[LocalOccurrence]:
    if len(custom) > MAX_OCCURRENCES:
        raise ValidationError(f"at most {MAX_OCCURRENCES} custom slots, got {len(custom)}", field="slots")
    for occ in custom:
        _check_duration(occ.duration)
    return sorted(custom, key=lambda occ: (occ.date, occ.time))


def _effective_end(end_date: dt.date | None, horizon: dt.date | None) -> dt.date:
    if end_date is None and horizon is None:
        raise ValidationError(
            "a repeating session needs an end_date (or a booking horizon when open-ended)",
            field="end_date",
        )
    if end_date is None:
        assert horizon is not None
        return horizon
    if horizon is None:
        return end_date
    return min(end_date, horizon)


def _rrule_kwargs(rule: Repeat, start: dt.date) -> dict[str, Any]:
    """rrule arguments (freq first) for a repeating rule."""
    if rule is Repeat.WEEKLY:
        return {"freq": rrule.WEEKLY}
    if rule is Repeat.FORTNIGHTLY:
        return {"freq": rrule.WEEKLY, "interval": 2}
    if rule is Repeat.WEEKDAYS:
        return {"freq": rrule.DAILY, "byweekday": (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR)}
    if rule is Repeat.WEEKENDS:
        return {"freq": rrule.DAILY, "byweekday": (rrule.SA, rrule.SU)}
    if rule is Repeat.DAILY:
        return {"freq": rrule.DAILY}
    if rule is Repeat.MONTHLY_BY_DAY:
        # The first of {day, last day} that exists: the day itself, or the last day of a short month.
        return {"freq": rrule.MONTHLY, "bymonthday": (start.day, -1), "bysetpos": 1}
    if rule is Repeat.MONTHLY_BY_WEEKDAY:
        nth = (start.day - 1) // 7 + 1
        weekday = rrule.weekdays[start.weekday()]
        return {"freq": rrule.MONTHLY, "byweekday": weekday(-1 if nth == 5 else nth)}
    raise AssertionError(f"not a repeating rule: {rule!r}")  # pragma: no cover


def _dates(kwargs: dict[str, Any], start: dt.date, until: dt.date) -> list[dt.date]:
    midnight = dt.time()
    rule = rrule.rrule(
        dtstart=dt.datetime.combine(start, midnight),
        until=dt.datetime.combine(until, midnight),
        **kwargs,
    )
    try:
        found: list[dt.datetime] = list(islice(rule, MAX_OCCURRENCES + 1))
    except (ValueError, OverflowError) as exc:  # rrule stepping past year 9999
        raise ValidationError("dates out of range", field="end_date") from exc
    if len(found) > MAX_OCCURRENCES:
        raise ValidationError(
            f"the rule yields more than {MAX_OCCURRENCES} occurrences before "
            f"{until.isoformat()}; choose an earlier end_date",
            field="end_date",
        )
    return [moment.date() for moment in found]
