"""The delivery worker: reads the outbox in id order, fans each event out to every channel, and
sends the deliveries, at least once (docs/notifications.md, ADR 0018).

One round:
1. fan out: in one write transaction, the events past the cursor up to the id below which every
   event is final (storage.queries.events.SettledHorizon: an event committed late is never skipped),
   each given to every channel's `fan_out`, one `deliveries` row per message, and the cursor moved
   past them. Rows are unique per (event, channel, target): a fan-out run twice adds nothing.
   On PostgreSQL one worker at a time holds the cursor (FOR UPDATE SKIP LOCKED); the others skip
   this step rather than wait.
2. claim: the due deliveries nobody holds, each held for a lease (storage.deliveries.claim_due).
3. send them, side by side, outside any transaction: a slow receiver delays only its own delivery.
4. record each outcome if the lease is still this worker's: delivered, failed (retried after an
   exponential back-off with jitter), or given up once its retry window (24 h) is over.
5. run the periodic jobs that are due (reminders), each in a write transaction of its own.

A worker killed between 3 and 4 leaves its claims to run out: they are sent again, with the same
message id, which is what a receiver de-duplicates by.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy import Connection

from bookable.domain.actors import utc_now
from bookable.notifications.delivery_channel import Delivery, DeliveryChannel, OutboxEvent, Outcome
from bookable.settings import Settings
from bookable.storage import deliveries
from bookable.storage.database import Database
from bookable.storage.queries import events

log = logging.getLogger("bookable.delivery")
T = TypeVar("T")
PeriodicJob = Callable[[Connection, datetime], None]
FAN_OUT_BATCH = 500
IDLE_BATCH = 10_000
"""Events passed at once when no channel would address any (only their ids are read)."""
CLAIM_BATCH = 200
SENDING_AT_ONCE = 16
LEASE_MARGIN_SECONDS = 5
"""A claim outlasts the longest send (the webhook time-out bounds a whole try) by this much."""


@runtime_checkable
class GivesUp(Protocol):
    """A channel that wants to act when one of its deliveries is given up (in the worker's transaction)."""

    def gave_up(self, connection: Connection, delivery: Delivery, outcome: Outcome, now: datetime) -> None: ...


@runtime_checkable
class MayBeIdle(Protocol):
    """A channel that can tell, in the worker's transaction, that it would address nothing at all now
    (email off, no enabled webhook endpoint): when every channel is idle the worker moves its cursor
    past the events without handing each to the channels, and holds the write lock only for that."""

    def idle(self, connection: Connection) -> bool: ...


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 10.0
    max_seconds: float = 3600.0
    give_up_after: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.delivery_retry_base_seconds, settings.delivery_retry_max_seconds,
                   timedelta(seconds=settings.delivery_give_up_after_seconds))

    def next_try(self, attempts: int, now: datetime, retry_until: datetime) -> datetime | None:
        """When to try again after `attempts` failed tries; None: the window is over, give up. The
        wait doubles each time, up to the maximum, times a random 0.75-1.25 so that the retries of
        many deliveries that failed together spread out; the last try falls at the window's end."""
        if now >= retry_until:
            return None
        wait = min(self.max_seconds, self.base_seconds * 2 ** min(attempts - 1, 30)) * random.uniform(0.75, 1.25)
        return min(now + timedelta(seconds=wait), retry_until)


@dataclass
class _Periodic:
    interval: float
    job: PeriodicJob
    due: float = 0.0


@dataclass
class RoundResult:
    fanned_out: int = 0
    sent: int = 0
    delivered: int = 0
    failed: list[str] = field(default_factory=list)


class DeliveryWorker:
    def __init__(self, database: Database, channels: Sequence[DeliveryChannel],
                 periodic_jobs: Sequence[tuple[float, PeriodicJob]] = (), settings: Settings | None = None,
                 *, name: str | None = None) -> None:
        settings = settings or Settings()
        self.database = database
        self.channels = {channel.name: channel for channel in channels}
        self.periodic = [_Periodic(float(interval), job) for interval, job in periodic_jobs]
        self.retry = RetryPolicy.from_settings(settings)
        self.lease = timedelta(seconds=max(settings.delivery_claim_lease_seconds,
                                           settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS))
        self.poll_seconds = settings.delivery_poll_milliseconds / 1000
        self.name = name or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._sending = asyncio.Semaphore(SENDING_AT_ONCE)
        self._windows: dict[int, datetime] = {}  # retry_until of each delivery claimed
        self._horizon = events.SettledHorizon()

    # -- running --------------------------------------------------------------------------------

    async def run(self, stop: threading.Event) -> None:
        """Rounds until `stop` is set; an idle worker sleeps `delivery_poll_milliseconds` between them."""
        log.info("delivery worker %s started with channels %s", self.name, ", ".join(self.channels) or "(none)")
        try:
            while not stop.is_set():
                try:
                    busy = await self.run_round()
                except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                    log.exception("delivery round failed; trying again")
                    busy = False
                if not busy:
                    await _sleep_unless(stop, self.poll_seconds)
        finally:
            for channel in self.channels.values():
                closing = getattr(channel, "close", None)
                if closing is not None:
                    await closing()
            log.info("delivery worker %s stopped", self.name)

    async def run_round(self) -> bool:
        """One round; True if it did anything (the next starts at once)."""
        result = RoundResult()
        result.fanned_out = await asyncio.to_thread(self.fan_out)
        claimed = await asyncio.to_thread(self.claim)
        if claimed:
            outcomes = await self.send(claimed)
            await asyncio.to_thread(self.record, list(zip(claimed, outcomes, strict=True)))
            result.sent = len(claimed)
        ran = await asyncio.to_thread(self.run_periodic_jobs)
        return bool(result.fanned_out or result.sent or ran)

    # -- the steps ------------------------------------------------------------------------------

    def fan_out(self) -> int:
        """Step 1; how many events it read."""
        if not self.channels or not self._in_read(self._new_events):
            return 0
        return self._in_write(self._fan_out_batch)

    @staticmethod
    def _new_events(connection: Connection) -> bool:
        return events.last_id(connection) > deliveries.cursor_position(connection)

    def _fan_out_batch(self, connection: Connection) -> int:
        up_to = self._horizon.up_to(connection)  # first: it looks before this transaction takes its id
        now = utc_now()
        cursor = deliveries.lock_cursor(connection, now)
        if cursor is None:
            return 0  # another worker is fanning out
        if self._all_idle(connection):
            settled = events.settled_ids_after(connection, cursor, IDLE_BATCH, up_to)
            if not settled:
                return 0
            if self._all_idle(connection):  # asked again after the read: what it sees predates the events
                deliveries.advance_cursor(connection, settled[-1], now)
                return len(settled)
        read = events.settled_after(connection, None, cursor, FAN_OUT_BATCH, up_to)
        rows: list[dict[str, Any]] = []
        retry_until = now + self.retry.give_up_after
        for row in read:
            event = _outbox_event(row)
            for channel in self.channels.values():
                for message in channel.fan_out(connection, event):
                    rows.append(deliveries.new_delivery(event.id, event.tenant_id, channel.name, message.target,
                                                        message.payload, now, retry_until))
        deliveries.add(connection, rows)
        if read:
            deliveries.advance_cursor(connection, read[-1].id, now)
        return len(read)

    def _all_idle(self, connection: Connection) -> bool:
        return all(isinstance(channel, MayBeIdle) and channel.idle(connection) for channel in self.channels.values())

    def claim(self) -> list[Delivery]:
        """Step 2."""
        now = utc_now()
        if not self._in_read(lambda connection: deliveries.any_due(connection, now)):
            return []
        rows = self._in_write(lambda connection: deliveries.claim_due(
            connection, now, now + self.lease, self.name, CLAIM_BATCH))
        self._windows = {row.id: row.retry_until for row in rows}
        return [Delivery(row.id, row.tenant_id, row.event_id, row.channel, row.target, row.payload, row.attempts)
                for row in rows]

    async def send(self, claimed: Sequence[Delivery]) -> list[Outcome]:
        """Step 3: the claimed deliveries (in the order of their events) sent, at once up to
        SENDING_AT_ONCE; their outcomes in the same order. Where a channel sends `in_turn`, one
        target's deliveries go one after another, so that a member reads "Booking confirmed"
        before "Booking cancelled"."""
        turns: dict[tuple[str, str | int], list[Delivery]] = {}
        for delivery in claimed:
            channel = self.channels.get(delivery.channel)
            in_turn = channel is not None and channel.in_turn
            turns.setdefault((delivery.channel, delivery.target if in_turn else delivery.id), []).append(delivery)
        outcomes: dict[int, Outcome] = {}

        async def send_in_turn(deliveries: list[Delivery]) -> None:
            for delivery in deliveries:
                outcomes[delivery.id] = await self._send(delivery)

        await asyncio.gather(*(send_in_turn(deliveries) for deliveries in turns.values()))
        return [outcomes[delivery.id] for delivery in claimed]

    async def _send(self, delivery: Delivery) -> Outcome:
        """One delivery: whatever goes wrong is an outcome, never an exception."""
        channel = self.channels.get(delivery.channel)
        if channel is None:
            return Outcome(delivered=False, retry=True, detail=f"no channel {delivery.channel!r} in this worker")
        async with self._sending:
            try:
                return await channel.send(delivery)
            except Exception as error:  # noqa: BLE001 - a channel's bug fails one delivery, not the worker
                log.exception("channel %s failed on delivery %d", delivery.channel, delivery.id)
                return Outcome(delivered=False, retry=True, detail=f"{type(error).__name__}: {error}")

    def record(self, outcomes: list[tuple[Delivery, Outcome]]) -> None:
        """Step 4: the deliveries that are settled for now in one statement; those given up one by
        one, each with what its channel does then (only if this worker still held it)."""

        def write(connection: Connection) -> None:
            now = utc_now()
            attempts = [self._attempt(delivery, outcome, now) for delivery, outcome in outcomes]
            deliveries.record_many(connection, self.name,
                                   [attempt for attempt in attempts if attempt.status != deliveries.GIVEN_UP])
            for (delivery, outcome), attempt in zip(outcomes, attempts, strict=True):
                if attempt.status == deliveries.GIVEN_UP:
                    self._give_up(connection, delivery, outcome, attempt)

        self._in_write(write)

    def _attempt(self, delivery: Delivery, outcome: Outcome, now: datetime) -> deliveries.Attempt:
        next_try = None
        if outcome.delivered:
            status = deliveries.DELIVERED
        else:
            retry_until = self._windows.get(delivery.id, now)
            next_try = self.retry.next_try(delivery.attempt, now, retry_until) if outcome.retry else None
            status = deliveries.FAILED if next_try is not None else deliveries.GIVEN_UP
        return deliveries.Attempt(delivery.id, status, outcome.status, outcome.detail, next_try, now)

    def _give_up(self, connection: Connection, delivery: Delivery, outcome: Outcome,
                 attempt: deliveries.Attempt) -> None:
        if not deliveries.record(connection, self.name, attempt):
            log.warning("delivery %d: lease lost before its outcome was recorded", delivery.id)
            return
        log.warning("delivery %d (%s %s) given up: %s", delivery.id, delivery.channel, delivery.target,
                    outcome.detail or outcome.status)
        channel = self.channels.get(delivery.channel)
        if isinstance(channel, GivesUp):
            channel.gave_up(connection, delivery, outcome, attempt.at)

    def run_periodic_jobs(self) -> int:
        """Step 5; how many jobs ran."""
        ran = 0
        for periodic in self.periodic:
            if time.monotonic() < periodic.due:
                continue
            periodic.due = time.monotonic() + periodic.interval
            try:
                self._in_write(_running(periodic.job))
            except Exception:  # noqa: BLE001 - one job's failure must not stop deliveries
                log.exception("periodic job %s failed", getattr(periodic.job, "__name__", periodic.job))
            ran += 1
        return ran

    # -- transactions ---------------------------------------------------------------------------

    def _in_write(self, work: Callable[[Connection], T]) -> T:
        """A write transaction of its own: on SQLite behind the writer gate, like every writer."""
        with self.database.write_engine.connect() as connection, connection.begin():
            return work(connection)

    def _in_read(self, work: Callable[[Connection], T]) -> T:
        with self.database.read_engine.connect() as connection, connection.begin():
            return work(connection)


def _running(job: PeriodicJob) -> Callable[[Connection], None]:
    return lambda connection: job(connection, utc_now())


def _outbox_event(row: Any) -> OutboxEvent:
    return OutboxEvent(id=row.id, tenant_id=row.tenant_id, type=row.action, entity=row.entity,
                       entity_id=row.entity_id, before=row.before, after=row.after, actor=row.actor,
                       channel=row.channel, at=row.at)


async def _sleep_unless(stop: threading.Event, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
