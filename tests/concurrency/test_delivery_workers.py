"""Several delivery workers on one database (each with its own connections, as on separate hosts)
share the deliveries: each is sent by one worker, never by two at the same time; events recorded
while they run are all fanned out once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from bench.webhook_receiver import receiving
from sqlalchemy import select

from bookable.notifications import webhook_endpoints
from bookable.notifications import worker as worker_module
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.delivery_channel import Delivery, Outcome
from bookable.notifications.running import WorkerThread
from bookable.notifications.webhooks import WebhookChannel
from bookable.notifications.worker import DeliveryWorker
from bookable.services import bookings
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.database import Database

BOOKINGS = 60
WORKERS = 3
SETTINGS = Settings(webhooks_allowed_networks="127.0.0.1/32", delivery_poll_milliseconds=20,
                    webhook_timeout_seconds=5)


class SendsCounted(WebhookChannel):
    """The real webhook channel, noting which deliveries this worker sent and how many it sent at once
    across all workers (`in_flight`, shared)."""

    def __init__(self, database: Database, in_flight: Counter[int], lock: threading.Lock) -> None:
        super().__init__(database, SETTINGS)
        self.sent: list[int] = []
        self.in_flight, self.lock, self.overlaps = in_flight, lock, 0

    async def send(self, delivery: Delivery) -> Outcome:
        with self.lock:
            self.in_flight[delivery.id] += 1
            self.overlaps += self.in_flight[delivery.id] > 1
        try:
            self.sent.append(delivery.id)
            return await super().send(delivery)
        finally:
            with self.lock:
                self.in_flight[delivery.id] -= 1


def test_workers_side_by_side_send_every_delivery_once_and_never_the_same_one_together(world, database, monkeypatch):
    # A claim of at most 5: with the default 200, a worker whose poll came after all 60 were fanned
    # out could claim them all, and the check that the workers shared the work would flake.
    monkeypatch.setattr(worker_module, "CLAIM_BATCH", 5)
    in_flight: Counter[int] = Counter()
    lock = threading.Lock()
    with receiving() as receiver:
        receiver.delay_seconds = 0.05  # sends overlap in time: any double claim would show
        with world.uow() as uow:
            endpoint = webhook_endpoints.create(uow, world.admin, AddressPolicy(allow_private=True), receiver.url,
                                                ["booking.created"], True)
            uow.commit()
        slot = world.slots(world.offering(spaces=BOOKINGS).id)[0]
        databases = [Database(database.url, pool_size=4) for _ in range(WORKERS)]
        channels = [SendsCounted(db, in_flight, lock) for db in databases]
        threads = [WorkerThread(DeliveryWorker(db, [channel], settings=SETTINGS, name=f"w{n}"))
                   for n, (db, channel) in enumerate(zip(databases, channels, strict=True))]
        try:
            for thread in threads:
                thread.start()
            for _ in range(BOOKINGS):  # recorded while the workers run
                with world.uow() as uow:
                    bookings.book(uow, world.admin, person_id=world.person(), slot_id=slot.id)
                    uow.commit()
            receiver.wait_for(BOOKINGS, timeout=60)
        finally:
            for thread in threads:
                thread.stop()
            for db in databases:
                db.dispose()

    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert len(ids) == len(set(ids)) == BOOKINGS
    with world.uow(write=False) as uow:
        rows: list[Any] = list(uow.session.scalars(select(m.DeliveryRecord).where(
            m.DeliveryRecord.target == webhook_endpoints.target_of(endpoint.id))))
    ours = {row.id for row in rows}  # the shared test database may hold other tests' deliveries
    sent = [delivery for channel in channels for delivery in channel.sent if delivery in ours]
    assert len(sent) == len(set(sent)) == BOOKINGS
    assert sum(channel.overlaps for channel in channels) == 0
    assert sorted((row.status, row.attempts) for row in rows) == [("delivered", 1)] * BOOKINGS
    if not database.is_sqlite:  # PostgreSQL: they shared the work (SQLite's writers take turns anyway)
        assert sum(1 for channel in channels if ours & set(channel.sent)) >= 2, [len(c.sent) for c in channels]
