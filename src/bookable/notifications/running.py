"""Where the delivery worker runs: in a thread of `bookable serve`'s own process (one per serve,
whatever its number of HTTP workers), or alone under `bookable worker`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from bookable.notifications.delivery_channel import DeliveryChannel
from bookable.notifications.email import EmailChannel, SmtpConfig
from bookable.notifications.purging import PURGE_INTERVAL_SECONDS, purge_job
from bookable.notifications.reminders import reminder_job
from bookable.notifications.webhooks import WebhookChannel
from bookable.notifications.worker import DeliveryWorker, PeriodicJob
from bookable.settings import Settings
from bookable.storage.database import Database


def channels_for(database: Database, settings: Settings) -> list[DeliveryChannel]:
    """Every channel this installation delivers through."""
    return [WebhookChannel(database, settings), EmailChannel(SmtpConfig.from_settings(settings))]


REMINDER_INTERVAL_SECONDS = 60.0


def periodic_jobs_for(database: Database, settings: Settings) -> list[tuple[float, PeriodicJob]]:
    """Jobs the worker runs on a timer: the reminders, unless they are off (reminder_hours = 0), and
    the purge of finished deliveries and old form tokens (notifications.purging)."""
    reminders = reminder_job(settings.reminder_hours)
    purging = (PURGE_INTERVAL_SECONDS, purge_job(settings.deliveries_kept_days))
    return [purging] if reminders is None else [(REMINDER_INTERVAL_SECONDS, reminders), purging]


def worker_for(database: Database, settings: Settings, channels: Sequence[DeliveryChannel] | None = None,
               periodic_jobs: Sequence[tuple[float, PeriodicJob]] | None = None) -> DeliveryWorker:
    return DeliveryWorker(database, channels if channels is not None else channels_for(database, settings),
                          periodic_jobs if periodic_jobs is not None else periodic_jobs_for(database, settings),
                          settings)


class WorkerThread:
    """A delivery worker on an event loop of its own, in a daemon thread of this process."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker
        self.stop_requested = threading.Event()
        self._thread = threading.Thread(target=self._run, name="delivery-worker", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.worker.run(self.stop_requested))

    def start(self) -> WorkerThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_requested.set()
        self._thread.join(timeout)

    def __enter__(self) -> WorkerThread:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
