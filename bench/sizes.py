"""How big each scenario and the seeded data set are: full (the targets), quick (a smoke run), tiny (tests)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

from bookable.storage.schema import head_revision

DATASET_VERSION = 5  # 5: one active booking per person and slot (migration 0012)


@dataclass(frozen=True)
class Sizes:
    # seeded once and cached: the timetable data set
    business_units: int = 50
    offerings_per_unit: int = 20
    days: int = 1000
    bookings_per_slot: int = 3
    people: int = 20_000
    members: int = 64
    # per run: contention
    contention_clients: int = 200
    contention_attempts: int = 1000
    contention_last_places: int = 100
    # per run: throughput
    throughput_slots: int = 1000
    throughput_concurrency: int = 32
    throughput_seconds: float = 20.0
    throughput_slices: int = 4  # the booking time in slices, a /healthz ceiling slice on either side of each
    ceiling_slice_seconds: float = 2.0
    # per run: one large event booked by many people (a booking's cost must not grow with the slot's bookings)
    large_event_places: int = 100_000
    large_event_bookings: int = 50_000  # each by a person of its own, added for the run
    large_event_window: int = 5_000  # the rate of the first and of the last this many is compared
    large_event_concurrency: int = 16
    large_event_reads: int = 300  # GETs of the slot, one at a time, before and after the bookings
    # per run: timetable reads and the ceiling
    timetable_concurrency: int = 4
    timetable_seconds: float = 10.0
    ceiling_seconds: float = 5.0
    warmup_seconds: float = 2.0

    @property
    def slots(self) -> int:
        return self.business_units * self.offerings_per_unit * self.days

    @property
    def bookings(self) -> int:
        return self.slots * self.bookings_per_slot

    def dataset_key(self) -> str:
        """Names the cached data set: only what the seeded data depends on, and the schema."""
        seeded: dict[str, object] = {name: getattr(self, name) for name in
                  ("business_units", "offerings_per_unit", "days", "bookings_per_slot", "people", "members")}
        seeded["schema"] = head_revision()
        digest = hashlib.sha256(json.dumps(seeded, sort_keys=True).encode()).hexdigest()[:10]
        return f"v{DATASET_VERSION}-{self.slots}slots-{digest}"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "slots": self.slots, "bookings": self.bookings}


FULL = Sizes()
QUICK = replace(
    FULL, business_units=5, offerings_per_unit=10, days=200, people=2_000, members=16,
    contention_clients=50, contention_attempts=200, contention_last_places=20,
    throughput_slots=100, throughput_concurrency=16, throughput_seconds=3.0,
    timetable_seconds=2.0, ceiling_seconds=2.0, warmup_seconds=0.5, ceiling_slice_seconds=0.5,
    large_event_bookings=10_000, large_event_window=1_000, large_event_reads=200,
)
TINY = replace(
    QUICK, business_units=2, offerings_per_unit=3, days=30, people=200, members=4,
    contention_clients=20, contention_attempts=60, contention_last_places=10,
    throughput_slots=20, throughput_concurrency=4, throughput_seconds=1.0,
    timetable_concurrency=4, timetable_seconds=0.5, ceiling_seconds=0.5, warmup_seconds=0.2,
    ceiling_slice_seconds=0.2,
    large_event_places=2_000, large_event_bookings=600, large_event_window=100, large_event_concurrency=4,
    large_event_reads=20,
)
PRESETS = {"full": FULL, "quick": QUICK, "tiny": TINY}
