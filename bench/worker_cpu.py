"""`python -m bench.worker_cpu [N]`: the delivery worker's CPU per webhook delivery, alone.

A throwaway SQLite database with one tenant, one endpoint and N booking events; a receiver
(bench/webhook_receiver.py) in a process of its own, so that its CPU is not counted; the worker's
rounds (fan-out, claim, send, record) run in this process until every delivery is delivered. It
prints this process's CPU per delivery, and the part of it each database step took."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.events import DomainEvent
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.running import worker_for
from bookable.services import accounts
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

RECEIVER = ("import time\nfrom bench.webhook_receiver import receiving\nwith receiving() as r:\n"
            "    r.keep = False\n    print(r.url, flush=True)\n    while True: time.sleep(1)\n")
STEPS = ("fan_out", "claim", "record")


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'worker_cpu.db'}")
        upgrade(database)
        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
        try:
            assert receiver.stdout is not None
            _seed(database, receiver.stdout.readline().strip(), count)
            cpu, seconds, steps = asyncio.run(_deliver_all(database, count))
        finally:
            receiver.kill()
    print(f"{count} deliveries in {seconds:.2f} s: {1e6 * cpu / count:.0f} us of CPU per delivery; of which "
          + ", ".join(f"{name} {1e6 * spent / count:.0f} us" for name, spent in steps.items()))


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


async def _deliver_all(database: Database, count: int) -> tuple[float, float, dict[str, float]]:
    worker = worker_for(database, Settings(webhooks_allowed_networks="127.0.0.1/32"))
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
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
