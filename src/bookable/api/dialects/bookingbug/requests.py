"""What a create or an update asks the engine for: BookingBug's per-type defaults filled in,
custom slots completed with the session's time and duration."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bookable.domain.errors import ValidationError
from bookable.domain.localtime import to_local
from bookable.domain.offering import KIND_DEFAULTS, Kind, OfferingSpec
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.storage import models as m

from .parsing import SessionInput, SlotInput

Slots = tuple[LocalOccurrence, ...]

DEFAULT_START_IN_DAYS = 7


def creation_spec(given: SessionInput, kind: Kind, zone: str, now: datetime) -> OfferingSpec:
    """The spec of a new session: what was sent, else the documented default of its type."""
    defaults = KIND_DEFAULTS[kind]
    local_now = to_local(now, zone)
    values = dict(given.values)
    start_time = values.setdefault("start_time", local_now.time().replace(second=0, microsecond=0, tzinfo=None))
    duration = values.setdefault("duration", defaults.duration)
    slots = completed_slots(given.slots, start_time, duration)
    if slots:
        _make_custom(values, slots)
    else:
        values.setdefault("start_date", local_now.date() + timedelta(days=DEFAULT_START_IN_DAYS))
        if defaults.end_date_is_start:
            values.setdefault("end_date", values["start_date"])
    base = OfferingSpec(
        kind=kind,
        name=defaults.name,
        group="",
        start_date=values["start_date"],
        start_time=start_time,
        duration=duration,
        repeat=defaults.repeat,
        min_cancel=defaults.min_cancel,
        max_advance=defaults.max_advance,
    )
    return replace(base, **values, custom_slots=slots)


def update_changes(given: SessionInput, offering: m.Offering) -> tuple[dict[str, Any], Slots | None]:
    """The attributes to change (only those sent) and the custom slots that replace the existing ones."""
    if given.kind is not None and given.kind.value != offering.kind:
        raise ValidationError("A session's type cannot be changed; create a new session instead.", field="type")
    changes = dict(given.values)
    slots = completed_slots(
        given.slots, changes.get("start_time", offering.start_time), changes.get("duration", offering.duration)
    )
    if slots:
        _make_custom(changes, slots)
    elif _end_date_follows_start(changes, offering):
        changes["end_date"] = changes["start_date"]
    return changes, (slots or None)


def completed_slots(slots: tuple[SlotInput, ...] | None, start_time: time, duration: int) -> Slots:
    if not slots:
        return ()
    completed = tuple(
        LocalOccurrence(_dated(slot), slot.time or start_time, slot.duration if slot.duration is not None else duration)
        for slot in slots
    )
    if len({(occ.date, occ.time) for occ in completed}) != len(completed):
        raise ValidationError("Two slots have the same date and time.", field="slots")
    return completed


def _dated(slot: SlotInput) -> date:
    assert slot.date is not None  # parse_session requires a date on every slot of <slots>
    return slot.date


def _make_custom(values: dict[str, Any], slots: Slots) -> None:
    """Custom slots mean repeat 6; the session's dates span its slots unless sent explicitly."""
    if values.get("repeat", Repeat.CUSTOM) is not Repeat.CUSTOM:
        raise ValidationError("Slots can only be sent with repeat 6 (custom).", field="repeat")
    values["repeat"] = Repeat.CUSTOM
    values.setdefault("start_date", min(slot.date for slot in slots))
    values.setdefault("end_date", max(slot.date for slot in slots))


def _end_date_follows_start(changes: dict[str, Any], offering: m.Offering) -> bool:
    """An event's or course's end date defaults to its start date; moving the start moves it too."""
    if "start_date" not in changes or "end_date" in changes:
        return False
    return KIND_DEFAULTS[Kind(offering.kind)].end_date_is_start and offering.end_date == offering.start_date
