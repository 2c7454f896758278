"""Several workers rolling the same open-ended timetable at once never create a slot twice."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from tests.local_dates import local_today

from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services.offerings import extend_horizon

WORKERS = 6


def test_concurrent_horizon_rolls_create_each_slot_exactly_once(world):
    offering = world.offering(kind=Kind.RECURRING, repeat=Repeat.DAILY, max_advance=3, start_date=local_today())
    later = datetime.now(UTC) + timedelta(days=10)
    start = threading.Barrier(WORKERS)

    def roll(_):
        start.wait()
        with world.uow() as uow:
            added = extend_horizon(uow, world.admin, uow.offerings.offering(offering.id), now=later)
            uow.commit()
            return added

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        added = list(pool.map(roll, range(WORKERS)))

    slots = world.slots(offering.id)
    keys = [(s.local_date, s.local_time) for s in slots]
    assert len(keys) == len(set(keys))
    assert sum(added) == 10
    assert max(s.local_date for s in slots) == local_today() + timedelta(days=13)
