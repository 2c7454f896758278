"""`python -m bench.worker_cpu [N]`: the delivery worker's CPU per webhook delivery, alone.
`python -m bench.worker_cpu --email [N]`: the same per email.

A throwaway SQLite database with one tenant and N booking events: for webhooks one endpoint, and a
receiver (bench/webhook_receiver.py) in a process of its own; for emails N members booked on one
class (in Europe/Stockholm, so each .ics carries a VTIMEZONE) and an SMTP server (aiosmtpd) that
drops what it gets, in a process of its own. Neither's CPU is counted. The worker's rounds
(fan-out, claim, send, record) run in this process until every delivery is delivered. It prints
this process's CPU per delivery, and the part of it each database step took (an email's rendering
is in fan_out; the send is the rest)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.events import DomainEvent
from bookable.domain.offering import Kind, OfferingSpec
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.running import worker_for
from bookable.services import accounts
from bookable.services.bookings import book
from bookable.services.offerings import create_offering
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

RECEIVER = ("import time\nfrom bench.webhook_receiver import receiving\nwith receiving() as r:\n"
            "    r.keep = False\n    print(r.url, flush=True)\n    while True: time.sleep(1)\n")
STEPS = ("fan_out", "claim", "record")


def main(count: int, *, email: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'worker_cpu.db'}")
        upgrade(database)
        serving = ["-m", "bench.smtp_sink"] if email else ["-c", RECEIVER]
        receiver = subprocess.Popen([sys.executable, *serving], stdout=subprocess.PIPE, text=True)
        try:
            assert receiver.stdout is not None
            address = receiver.stdout.readline().strip()
            if email:
                _seed_bookings(database, count)
                settings = Settings(email=True, smtp_host="127.0.0.1", smtp_port=int(address), smtp_security="none")
            else:
                _seed(database, address, count)
                settings = Settings(webhooks_allowed_networks="127.0.0.1/32")
            cpu, seconds, steps = asyncio.run(_deliver_all(database, settings, count))
        finally:
            receiver.kill()
    of_which = ", ".join(f"{name} {1e6 * spent / count:.0f} us" for name, spent in steps.items())
    print(f"{count} {'emails' if email else 'deliveries'} in {seconds:.2f} s: {1e6 * cpu / count:.0f} us of CPU "
          f"per delivery; of which {of_which}")


def _seed(database: Database, url: str, count: int) -> None:
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, "worker-cpu", timezone="UTC")
        uow.commit()
    actor = Actor(tenant.id, "bench", Role.ADMIN, Channel.CLI)
    with UnitOfWork(database, tenant.id) as uow:
        webhook_endpoints.create(uow, actor, AddressPolicy(allow_private=True), url, ["booking.created"], True)
        for n in range(count):
            uow.record(actor, DomainEvent("booking.created", "booking", n,
                                          after={"status": "confirmed", "slot_id": 1, "person_id": n}))
        uow.commit()


def _seed_bookings(database: Database, count: int) -> None:
    """N members, each with an email address, booked on one class next week: N booking.created events."""
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, "worker-cpu", timezone="Europe/Stockholm")
        uow.commit()
    actor = Actor(tenant.id, "bench", Role.ADMIN, Channel.CLI)
    with UnitOfWork(database, tenant.id) as uow:
        offering = create_offering(uow, actor, OfferingSpec(
            kind=Kind.EVENT, name="Spinning 45", group="Classes", start_date=date.today() + timedelta(days=7),
            start_time=clock(18, 0), duration=45, spaces=count, min_cancel=0,
            description="Bring a towel and water; the bikes are set up for you."))
        [slot] = uow.offerings.slots_of(offering.id)
        for n in range(count):
            person = uow.people.add(m.Person(tenant_id=tenant.id, first_name="Member", last_name=str(n),
                                             email=f"member-{n}@example.org", created_at=utc_now()))
            book(uow, actor, person_id=person.id, slot_id=slot.id, override_window=True)
        uow.commit()


async def _deliver_all(database: Database, settings: Settings, count: int) -> tuple[float, float, dict[str, float]]:
    worker = worker_for(database, settings)
    steps = {name: 0.0 for name in STEPS}
    for name in STEPS:
        setattr(worker, name, _timed(steps, name, getattr(worker, name)))
    started, cpu = time.perf_counter(), time.process_time()
    try:
        while _delivered(database) < count:
            await worker.run_round()
        return time.process_time() - cpu, time.perf_counter() - started, steps
    finally:
        for channel in worker.channels.values():
            closing = getattr(channel, "close", None)
            if closing is not None:
                await closing()


def _timed(steps: dict[str, float], name: str, step: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return step(*args, **kwargs)
        finally:
            steps[name] += time.thread_time() - started

    return timed


def _delivered(database: Database) -> int:
    with database.read_engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(m.DeliveryRecord)
                                     .where(m.DeliveryRecord.status == "delivered")) or 0)


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--email"]
    main(int(arguments[0]) if arguments else 3000, email="--email" in sys.argv[1:])
