"""Fresh slots for one run's booking scenarios, added in bulk to the run's own copy of the data set."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bench.bulk import BulkWriter
from bench.dataset import SeededOffering, insert_bookings, insert_offerings, insert_slots, shape, write
from bench.sizes import Sizes
from bookable.storage import models as m
from bookable.storage.database import Database

ROOMY = 1_000_000
BRP_BOOKINGS_PER_SECOND = 5_000
"""BRP's members are few (64 at full size), so its slots are as many as its measured time needs at up to this rate
(at least `throughput_slots`): a throughput run must not run out of (member, slot) pairs before its
last slice (bench.scenarios.interleaved)."""


@dataclass(frozen=True)
class RunSlots:
    contention_slot: int
    contention_spaces: int
    contention_prefilled: int
    native_slots: list[int]
    brp_slots: list[int]
    warmup_slot: int
    web_slots: list[int]
    large_event_slot: int
    large_event_first_person: int  # the first of `large_event_bookings` people added for it (0: none added)

    def booked_slots(self) -> list[int]:
        return [self.contention_slot, *self.native_slots, *self.brp_slots, self.warmup_slot, *self.web_slots,
                self.large_event_slot]


def prepare_run(database: Database, manifest: dict[str, Any], sizes: Sizes, *, large_event: bool = False) -> RunSlots:
    """Contention: one slot whose all but the last places are already held. Throughput: roomy slots.
    Large event: one slot of `large_event_places`, and (if `large_event`) a person for each booking."""
    tenant_id = manifest["tenant_id"]
    unit, product = manifest["business_units"][0], manifest["product_id"]
    now = datetime.now(UTC)
    tomorrow = date.today() + timedelta(days=1)
    last = sizes.contention_last_places
    with database.write_engine.begin() as connection:
        writer = BulkWriter(connection)
        resource = writer.next_id(m.Resource.__table__) - 1  # the last seeded instructor
        first_offering = writer.next_id(m.Offering.__table__)
        first_slot = writer.next_id(m.Slot.__table__)
        plan = [(1, last * 5, time(7, 0)), (sizes.throughput_slots, ROOMY, time(12, 0)),
                (brp_slot_count(sizes), ROOMY, time(13, 0)), (1, ROOMY, time(14, 0)),
                (brp_slot_count(sizes) + 1, ROOMY, time(15, 0)), (1, sizes.large_event_places, time(16, 0))]
        offerings, next_slot = [], first_slot
        for n, (days, spaces, start) in enumerate(plan):
            offerings.append(SeededOffering(first_offering + n, unit, product, resource, start, tomorrow, days,
                                            spaces, next_slot))
            next_slot += days
        insert_offerings(writer, tenant_id, offerings, now, name="Bench run")
        insert_slots(writer, tenant_id, offerings)
        contention = offerings[0]
        people = manifest["people"]
        tail = people["first_id"] + people["count"] - last * 4
        insert_bookings(writer, tenant_id, ((person, contention.id, contention.first_slot_id)
                                            for person in range(tail, tail + last * 4)), now)
        first_person = _add_people(writer, tenant_id, sizes.large_event_bookings, now) if large_event else 0
        writer.reset_sequences(m.Base.metadata.sorted_tables)
    return RunSlots(
        contention_slot=contention.first_slot_id, contention_spaces=contention.spaces, contention_prefilled=last * 4,
        native_slots=_slot_ids(offerings[1]), brp_slots=_slot_ids(offerings[2]),
        warmup_slot=offerings[3].first_slot_id, web_slots=_slot_ids(offerings[4]),
        large_event_slot=offerings[5].first_slot_id, large_event_first_person=first_person,
    )


def _add_people(writer: BulkWriter, tenant_id: int, count: int, now: datetime) -> int:
    first = writer.next_id(m.Person.__table__)
    people = shape(m.Person, ("id", "first_name"), tenant_id=tenant_id, last_name="Runner", created_at=now)
    write(writer, people, ((first + n, f"Runner {n}") for n in range(count)))
    return first


def brp_slot_count(sizes: Sizes) -> int:
    return max(sizes.throughput_slots, math.ceil(sizes.throughput_seconds * BRP_BOOKINGS_PER_SECOND / sizes.members))


def _slot_ids(offering: SeededOffering) -> list[int]:
    return list(range(offering.first_slot_id, offering.first_slot_id + offering.days))
