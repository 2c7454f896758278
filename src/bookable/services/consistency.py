"""What the database keeps twice, checked against its source: each slot's counters (the places
its bookings hold and wait for, and its last queue number: storage.slot_counters) against its
bookings."""

from __future__ import annotations

from dataclasses import dataclass

from bookable.storage import slot_counters
from bookable.storage.slot_counters import KEPT, Mismatch
from bookable.storage.unit_of_work import UnitOfWork

__all__ = ["KEPT", "CounterCheck", "Mismatch", "check_slot_counters"]


@dataclass(frozen=True)
class CounterCheck:
    slots: int  # how many slots were checked
    mismatches: list[Mismatch]
    repaired: int  # slots whose counters were set from their bookings (repair=True)


def check_slot_counters(uow: UnitOfWork, tenant_id: int | None = None, *, repair: bool = False) -> CounterCheck:
    """Compare every slot's counters (of one tenant, or of all) with its bookings, in one
    snapshot; with `repair`, set the ones that differ from their bookings (the caller commits)."""
    connection = uow.connection()
    found = slot_counters.mismatches(connection, tenant_id)
    repaired = slot_counters.repair(connection, [mismatch.slot_id for mismatch in found]) if repair else 0
    return CounterCheck(slot_counters.slot_count(connection, tenant_id), found, repaired)
