"""Offering and slot use cases: create, change, regenerate slots, capacity, cancel, delete."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bookable.domain.actors import Actor, utc_now
from bookable.domain.booking import ACTIVE
from bookable.domain.errors import HasActiveBookings, NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType, snapshot
from bookable.domain.localtime import to_local, to_utc
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import LocalOccurrence, Repeat, occurrences
from bookable.services.bookings import CancelReason, Target, cancel, loads_of, promote, target_of_slot
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

DEFAULT_HORIZON_DAYS = 60
OFFERING_FIELDS = (
    "kind",
    "name",
    "group_name",
    "spaces",
    "price",
    "duration",
    "start_time",
    "start_date",
    "end_date",
    "repeat",
    "disabled",
    "min_cancel",
    "max_advance",
    "max_upcoming_bookings",
)
SPEC_TO_COLUMN = {"group": "group_name", "repeat": "repeat", "kind": "kind"}


@dataclass(frozen=True)
class Placement:
    """Where an offering sits in the catalogue (BRP product, business unit, resources, publishing)."""

    product_id: int | None = None
    business_unit_id: int | None = None
    resource_ids: tuple[int, ...] = ()
    publish_start: datetime | None = None
    publish_end: datetime | None = None


def tenant_zone(uow: UnitOfWork, actor: Actor) -> str:
    return uow.zone(actor.tenant_id)


def today_in(zone: str, now: datetime | None = None) -> date:
    return to_local(now or utc_now(), zone).date()


def get_offering(uow: UnitOfWork, offering_id: int) -> m.Offering:
    offering = uow.offerings.offering(offering_id)
    if offering is None:
        raise NotFound(f"Offering {offering_id} not found.", field="offering_id")
    return offering


def get_slot(uow: UnitOfWork, slot_id: int) -> m.Slot:
    slot = uow.offerings.slot(slot_id)
    if slot is None:
        raise slot_not_found(slot_id)
    return slot


def slot_not_found(slot_id: int) -> NotFound:
    return NotFound(f"Slot {slot_id} not found.", field="slot_id")


def create_offering(
    uow: UnitOfWork,
    actor: Actor,
    spec: OfferingSpec,
    placement: Placement = Placement(),
    *,
    now: datetime | None = None,
) -> m.Offering:
    spec = spec.validated()
    now = now or utc_now()
    _check_placement(uow, placement)
    offering = m.Offering(tenant_id=actor.tenant_id, created_at=now, updated_at=now)
    _apply_spec(offering, spec)
    _apply_placement(uow, offering, placement)
    uow.offerings.add(offering)
    sync_slots(uow, actor, offering, planned_occurrences(offering, spec.custom_slots, tenant_zone(uow, actor), now))
    uow.record(actor, DomainEvent(EventType.OFFERING_CREATED, "offering", offering.id,
                                  after=snapshot(offering, OFFERING_FIELDS)))
    return offering


def _apply_spec(offering: m.Offering, spec: OfferingSpec) -> None:
    for spec_field in fields(spec):
        if spec_field.name == "custom_slots":
            continue
        value = getattr(spec, spec_field.name)
        column = SPEC_TO_COLUMN.get(spec_field.name, spec_field.name)
        setattr(offering, column, value.value if isinstance(value, Kind | Repeat) else value)


def _check_placement(uow: UnitOfWork, placement: Placement) -> None:
    for model, row_id, name in (
        (m.Product, placement.product_id, "product_id"),
        (m.BusinessUnit, placement.business_unit_id, "business_unit_id"),
    ):
        if row_id is not None and uow.catalog.get(model, row_id) is None:
            raise NotFound(f"{name} {row_id} not found.", field=name)
    for resource_id in placement.resource_ids:
        if uow.catalog.get(m.Resource, resource_id) is None:
            raise NotFound(f"Resource {resource_id} not found.", field="resource_ids")
    start, end = placement.publish_start, placement.publish_end
    if start is not None and end is not None and end <= start:
        raise ValidationError("publish_end must be after publish_start.", field="publish_end")


def _apply_placement(uow: UnitOfWork, offering: m.Offering, placement: Placement) -> None:
    offering.product_id = placement.product_id
    offering.business_unit_id = placement.business_unit_id
    offering.publish_start = placement.publish_start
    offering.publish_end = placement.publish_end
    offering.resources = [r for r in (uow.catalog.get(m.Resource, i) for i in placement.resource_ids) if r]


def spec_of(offering: m.Offering) -> OfferingSpec:
    """The offering's current parameters as a spec, so a partial update can be validated whole."""
    values: dict[str, Any] = {}
    for spec_field in fields(OfferingSpec):
        if spec_field.name == "custom_slots":
            continue
        values[spec_field.name] = getattr(offering, SPEC_TO_COLUMN.get(spec_field.name, spec_field.name))
    values["kind"] = Kind(values["kind"])
    values["repeat"] = Repeat(values["repeat"])
    return OfferingSpec(**values)


def horizon_for(offering: m.Offering, today: date) -> date | None:
    if offering.end_date is not None:
        return None
    return today + timedelta(days=offering.max_advance or DEFAULT_HORIZON_DAYS)


def planned_occurrences(
    offering: m.Offering, custom: tuple[LocalOccurrence, ...], zone: str, now: datetime
) -> list[LocalOccurrence]:
    horizon = horizon_for(offering, today_in(zone, now))
    offering.materialised_until = horizon
    return occurrences(
        Repeat(offering.repeat),
        start_date=offering.start_date,
        start_time=offering.start_time,
        duration=offering.duration,
        end_date=offering.end_date,
        horizon=horizon,
        custom=custom,
    )


def sync_slots(
    uow: UnitOfWork, actor: Actor, offering: m.Offering, wanted: list[LocalOccurrence], *, cancel_active: bool = False
) -> list[m.Slot]:
    """Make the offering's slots match `wanted`, keeping slots (and bookings) that stay.

    A slot that would be dropped while it still holds active bookings is refused, unless the
    caller explicitly asks to cancel those bookings; a dropped slot is marked deleted, never erased.
    """
    zone = tenant_zone(uow, actor)
    existing = {(s.local_date, s.local_time): s for s in uow.offerings.slots_of(offering.id)}
    wanted_keys = {(o.date, o.time): o for o in wanted}
    dropped = [slot for key, slot in existing.items() if key not in wanted_keys]
    _drop_slots(uow, actor, offering, dropped, cancel_active=cancel_active)
    kept = []
    for key, occurrence in wanted_keys.items():
        slot = existing.get(key)
        if slot is None:
            slot = uow.offerings.add(_new_slot(offering, occurrence, zone))
        else:
            _move_slot(slot, occurrence.date, occurrence.time, occurrence.duration, zone)
        kept.append(slot)
    return kept


def _new_slot(offering: m.Offering, occurrence: LocalOccurrence, zone: str) -> m.Slot:
    slot = m.Slot(
        tenant_id=offering.tenant_id,
        offering_id=offering.id,
        business_unit_id=offering.business_unit_id,
        spaces=offering.spaces,
        online_spaces=offering.online_spaces,
        cancelled=False,
        deleted=False,
    )
    _move_slot(slot, occurrence.date, occurrence.time, occurrence.duration, zone)
    slot.resources = list(offering.resources)
    return slot


def _move_slot(slot: m.Slot, local_date: date, local_time: time, duration: int, zone: str) -> None:
    slot.local_date = local_date
    slot.local_time = local_time
    slot.duration = duration
    slot.starts_at = to_utc(local_date, local_time, zone)
    try:
        slot.ends_at = slot.starts_at + timedelta(minutes=duration)
    except OverflowError:
        raise ValidationError(f"date out of range: {local_date.isoformat()}", field="date") from None


def _drop_slots(
    uow: UnitOfWork, actor: Actor, offering: m.Offering, slots: list[m.Slot], *, cancel_active: bool
) -> None:
    if not slots:
        return
    active = uow.bookings.active_on_slots([s.id for s in slots])
    if offering.kind == "course":
        active += [b for b in uow.bookings.active_on_offering(offering.id) if b.slot_id is None]
    if active and not cancel_active:
        raise HasActiveBookings(
            f"{len(active)} active booking(s) would be dropped with these slots; "
            "cancel them first or ask explicitly to cancel them.",
            field="slots",
        )
    for booking in active:
        cancel(uow, actor, booking.id, override_window=True, promote_waiting=False, reason=CancelReason.CLASS_DROPPED)
    for slot in slots:
        slot.deleted = True
        uow.record(actor, DomainEvent(EventType.SLOT_DELETED, "slot", slot.id,
                                      before={"local_date": slot.local_date.isoformat()}))


def update_offering(
    uow: UnitOfWork,
    actor: Actor,
    offering_id: int,
    changes: dict[str, Any],
    *,
    custom_slots: tuple[LocalOccurrence, ...] | None = None,
    placement: Placement | None = None,
    cancel_active: bool = False,
    now: datetime | None = None,
) -> m.Offering:
    """Change only the attributes given; custom slots sent replace the existing slots."""
    now = now or utc_now()
    offering = get_offering(uow, offering_id)
    uow.lock_offering(offering.id)
    before = snapshot(offering, OFFERING_FIELDS)
    current = spec_of(offering)
    unknown = set(changes) - {f.name for f in fields(OfferingSpec)}
    if unknown:
        raise ValidationError(f"Unknown attribute {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    spec = replace(current, **changes, custom_slots=custom_slots or ()).validated()
    if custom_slots is not None and spec.repeat is not Repeat.CUSTOM:
        spec = replace(spec, repeat=Repeat.CUSTOM)
    _check_capacity_change(uow, offering, spec.spaces)
    _apply_spec(offering, spec)
    if placement is not None:
        _check_placement(uow, placement)
        _apply_placement(uow, offering, placement)
    offering.updated_at = now
    if _schedule_changed(current, spec, custom_slots):
        existing = tuple(_as_occurrence(s) for s in uow.offerings.slots_of(offering.id))
        custom = custom_slots if custom_slots is not None else (existing if spec.repeat is Repeat.CUSTOM else ())
        wanted = planned_occurrences(offering, custom, tenant_zone(uow, actor), now)
        if custom_slots is None and spec.repeat is Repeat.CUSTOM:
            wanted = (
                [replace(o, duration=spec.duration) for o in wanted] if spec.duration != current.duration else wanted
            )
        sync_slots(uow, actor, offering, wanted, cancel_active=cancel_active)
    _apply_capacity(uow, actor, offering, spec, now)
    uow.record(actor, DomainEvent(EventType.OFFERING_UPDATED, "offering", offering.id, before,
                                  snapshot(offering, OFFERING_FIELDS)))
    return offering


def _schedule_changed(current: OfferingSpec, spec: OfferingSpec, custom: tuple[LocalOccurrence, ...] | None) -> bool:
    if custom is not None:
        return True
    schedule = ("start_date", "start_time", "end_date", "repeat", "duration", "max_advance")
    return any(getattr(current, name) != getattr(spec, name) for name in schedule)


def _as_occurrence(slot: m.Slot) -> LocalOccurrence:
    return LocalOccurrence(slot.local_date, slot.local_time, slot.duration)


def _check_capacity_change(uow: UnitOfWork, offering: m.Offering, spaces: int) -> None:
    if spaces == offering.spaces:
        return
    target = Target(offering, uow.offerings.slots_of(offering.id), None)
    held = max((load.held for load in loads_of(uow, target).values()), default=0)
    if spaces < held:
        raise ValidationError(f"spaces cannot go below the {held} place(s) already held.", field="spaces")


def _apply_capacity(uow: UnitOfWork, actor: Actor, offering: m.Offering, spec: OfferingSpec, now: datetime) -> None:
    for slot in uow.offerings.slots_of(offering.id):
        if (slot.spaces, slot.online_spaces) != (spec.spaces, spec.online_spaces):
            change_capacity(uow, actor, slot.id, spec.spaces, spec.online_spaces, now=now)


def delete_offering(uow: UnitOfWork, actor: Actor, offering_id: int, *, cancel_active: bool = False) -> m.Offering:
    """Soft-delete: rows stay for the ledger and the audit trail; active bookings block it."""
    offering = get_offering(uow, offering_id)
    _drop_slots(uow, actor, offering, uow.offerings.slots_of(offering.id), cancel_active=cancel_active)
    offering.deleted = True
    uow.record(actor, DomainEvent(EventType.OFFERING_DELETED, "offering", offering.id,
                                  before=snapshot(offering, OFFERING_FIELDS)))
    return offering


def update_slot(
    uow: UnitOfWork,
    actor: Actor,
    slot_id: int,
    *,
    local_date: date | None = None,
    local_time: time | None = None,
    duration: int | None = None,
) -> m.Slot:
    slot = get_slot(uow, slot_id)
    if duration is not None and not 1 <= duration <= 24 * 60 * 14:
        raise ValidationError("duration must be between 1 and 20160 minutes.", field="duration")
    before = {
        "local_date": slot.local_date.isoformat(),
        "local_time": slot.local_time.isoformat(),
        "duration": slot.duration,
    }
    _move_slot(
        slot,
        local_date or slot.local_date,
        local_time or slot.local_time,
        duration or slot.duration,
        tenant_zone(uow, actor),
    )
    uow.record(actor, DomainEvent(EventType.SLOT_UPDATED, "slot", slot.id, before=before, after={
            "local_date": slot.local_date.isoformat(),
            "local_time": slot.local_time.isoformat(),
            "duration": slot.duration,
        }))
    return slot


def change_capacity(
    uow: UnitOfWork,
    actor: Actor,
    slot_id: int,
    spaces: int,
    online_spaces: int | None = None,
    *,
    now: datetime | None = None,
) -> m.Slot:
    """Raise or lower a slot's places; never below what is held. Raising promotes the waiting list."""
    slot = get_slot(uow, slot_id)
    if not 0 <= spaces <= 100_000 or (online_spaces is not None and not 0 <= online_spaces <= 100_000):
        raise ValidationError("spaces must be between 0 and 100000.", field="spaces")
    offering = get_offering(uow, slot.offering_id)
    uow.lock_slots([slot.id])
    held = loads_of(uow, Target(offering, [slot], slot.id))[slot.id].held
    if spaces < held:
        raise ValidationError(f"spaces cannot go below the {held} place(s) already held.", field="spaces")
    before = {"spaces": slot.spaces, "online_spaces": slot.online_spaces}
    slot.spaces, slot.online_spaces = spaces, online_spaces
    uow.session.flush()
    uow.record(actor, DomainEvent(EventType.SLOT_CAPACITY_CHANGED, "slot", slot.id, before,
                                  {"spaces": spaces, "online_spaces": online_spaces}))
    if spaces > before["spaces"]:  # type: ignore[operator]
        promote(uow, actor, target_of_slot(uow, offering, slot), now)
    return slot


def set_slot_cancelled(
    uow: UnitOfWork, actor: Actor, slot_id: int, cancelled: bool, *, cancel_bookings: bool = False
) -> m.Slot:
    """Cancel a slot (refused while it holds bookings, unless they are cancelled too) or restore it."""
    slot = get_slot(uow, slot_id)
    offering = get_offering(uow, slot.offering_id)
    if slot.cancelled == cancelled:
        return slot
    if cancelled:
        active = uow.bookings.on_slot(slot, offering, ACTIVE)
        if active and not cancel_bookings:
            raise HasActiveBookings(f"Slot {slot_id} still holds {len(active)} active booking(s).", field="slot_id")
        for booking in active:
            cancel(uow, actor, booking.id, override_window=True, promote_waiting=False,
                   reason=CancelReason.CLASS_CANCELLED)
    slot.cancelled = cancelled
    uow.session.flush()
    uow.record(actor, DomainEvent(EventType.SLOT_CANCELLED if cancelled else EventType.SLOT_RESTORED, "slot", slot.id))
    if not cancelled:
        promote(uow, actor, target_of_slot(uow, offering, slot))
    return slot


def extend_horizon(uow: UnitOfWork, actor: Actor, offering: m.Offering, *, now: datetime | None = None) -> int:
    """Materialise an open-ended recurring offering's slots up to its rolling booking horizon."""
    now = now or utc_now()
    zone = tenant_zone(uow, actor)
    horizon = horizon_for(offering, today_in(zone, now))
    if horizon is None:
        return 0
    uow.lock_offering(offering.id)
    if (offering.materialised_until is not None and offering.materialised_until >= horizon):
        return 0
    existing = {(s.local_date, s.local_time) for s in uow.offerings.slots_of(offering.id)}
    added = 0
    for occurrence in planned_occurrences(offering, (), zone, now):
        if (occurrence.date, occurrence.time) not in existing:
            uow.offerings.add(_new_slot(offering, occurrence, zone))
            added += 1
    return added


def extend_all_horizons(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None) -> int:
    return sum(extend_horizon(uow, actor, o, now=now) for o in uow.offerings.open_ended_recurring())
