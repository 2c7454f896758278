"""The reminder job: a periodic task of the delivery worker that records a `booking.reminder_due`
event in the outbox for every booked date starting within the lead time (default 24 h), once per
booking and date however many workers run it at the same moment. The email channel turns each
event into the reminder email, as it does any other event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.events import DomainEvent, EventType
from bookable.storage.events import EventLog
from bookable.storage.reminders import claim_reminder, due_reminders

DEFAULT_LEAD = timedelta(hours=24)
ACTOR_NAME = "reminders"

ReminderJob = Callable[[Connection, datetime], None]


def schedule_reminders(connection: Connection, now: datetime, *, lead: timedelta = DEFAULT_LEAD) -> None:
    """Record the reminders now due, in the caller's transaction (the worker's periodic job)."""
    record_due_reminders(connection, now, lead)


def record_due_reminders(connection: Connection, now: datetime, lead: timedelta = DEFAULT_LEAD) -> int:
    """schedule_reminders, saying how many reminders this call recorded."""
    events = EventLog(lambda: connection)
    recorded = 0
    for reminder in due_reminders(connection, now, now + lead):
        if not claim_reminder(connection, reminder, now):
            continue
        actor = Actor(reminder.tenant_id, ACTOR_NAME, Role.ADMIN, Channel.WORKER)
        after = {**reminder.booking, "reminded_slot_id": reminder.slot_id,
                 "starts_at": reminder.starts_at.isoformat()}
        events.record(actor, DomainEvent(EventType.BOOKING_REMINDER_DUE, "booking", reminder.booking_id,
                                         after=after), now)
        recorded += 1
    return recorded


def reminder_job(lead_hours: int) -> ReminderJob | None:
    """The job for the worker to run every minute or so, with the configured lead time
    (settings.reminder_hours); None when reminders are off (0 hours)."""
    if lead_hours <= 0:
        return None
    lead = timedelta(hours=lead_hours)

    def job(connection: Connection, now: datetime) -> None:
        schedule_reminders(connection, now, lead=lead)

    return job
