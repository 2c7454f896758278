"""Reminders: the periodic job records `booking.reminder_due` once per booked date inside the lead
time, however many workers run it at the same moment (real concurrent transactions on SQLite and
PostgreSQL), and the email channel turns it into the reminder email."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from email_support import (
    create_offering,
    deliver,
    in_days,
    last_event_id,
    new_person,
    post,
    staff_headers,
)
from sqlalchemy import func, select

from bookable.domain.events import EventType
from bookable.notifications.reminders import record_due_reminders, reminder_job
from bookable.storage import models as m

LEAD = timedelta(hours=24)
WORKERS = 4


@pytest.fixture
def staff(world):
    return staff_headers(world)


def starts_at(slot: dict) -> datetime:
    return datetime.fromisoformat(slot["start"]) if isinstance(slot["start"], str) else \
        datetime.fromtimestamp(slot["start"]).astimezone()


def reminder_events(world) -> list[tuple[int, int]]:
    query = (select(m.EventRecord.entity_id, m.EventRecord.after)
             .where(m.EventRecord.tenant_id == world.tenant.id,
                    m.EventRecord.action == EventType.BOOKING_REMINDER_DUE.value))
    with world.database.read_engine.connect() as connection:
        return sorted((row.entity_id, row.after["reminded_slot_id"]) for row in connection.execute(query))


def run_job(world, now: datetime) -> int:
    with world.database.write_engine.begin() as connection:
        return record_due_reminders(connection, now, LEAD)


def test_a_booking_is_reminded_once_inside_the_lead_time_and_the_member_gets_the_reminder_email(
        client, world, staff, smtp, channel):
    slot = create_offering(client, staff, name="Rowing", start_date=in_days(6), start_time="07:10")["slots"][0]
    start = starts_at(slot)
    person_id, address = new_person(client, staff, "Lena")
    booking = post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)
    waiting_slot = create_offering(client, staff, name="Full", spaces=1, start_date=in_days(6),
                                   start_time="07:10")["slots"][0]
    holder = post(client, "bookings", {"person_id": new_person(client, staff, "Mia", email_address=None)[0],
                                       "slot_id": waiting_slot["id"]}, staff, 201)
    post(client, "bookings/waiting-list", {"person_id": person_id, "slot_id": waiting_slot["id"]}, staff, 201)
    cancelled = post(client, "bookings", {"person_id": new_person(client, staff, "Nils")[0],
                                          "slot_id": slot["id"]}, staff, 201)
    post(client, f"bookings/{cancelled['id']}/cancel", {}, staff)

    run_job(world, start - LEAD - timedelta(minutes=1))
    assert reminder_events(world) == []
    since = last_event_id(world)
    run_job(world, start - timedelta(hours=23))
    run_job(world, start - timedelta(hours=22))
    # not the waiting one, not the cancelled one; the one without an email address too (skipped when sent)
    assert reminder_events(world) == [(booking["id"], slot["id"]), (holder["id"], waiting_slot["id"])]
    with world.database.read_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(m.BookingReminder)
                                 .where(m.BookingReminder.tenant_id == world.tenant.id)) == 2

    deliver(world, channel, since)

    [received] = smtp.inbox.to(address)
    subject = received.message["Subject"]
    assert subject.startswith("Reminder: Rowing, ") and subject.endswith("07:10")
    assert "See you soon: your class is coming up." in received.text
    [event] = received.calendar().walk("VEVENT")
    assert event["status"] == "CONFIRMED"


def test_a_course_is_reminded_before_each_of_its_dates(client, world, staff):
    course = create_offering(client, staff, kind="course", name="Course",
                             slots=[{"date": in_days(5), "time": "06:20"}, {"date": in_days(12), "time": "06:20"}])
    booking = post(client, "bookings", {"person_id": new_person(client, staff)[0], "offering_id": course["id"]},
                   staff, 201)
    first, second = course["slots"]

    run_job(world, starts_at(first) - timedelta(hours=1))
    run_job(world, starts_at(second) - timedelta(hours=1))

    assert reminder_events(world) == [(booking["id"], first["id"]), (booking["id"], second["id"])]


def test_workers_racing_to_remind_record_each_reminder_once(client, world, staff):
    slot = create_offering(client, staff, name="Race", spaces=20, start_date=in_days(8),
                           start_time="05:50")["slots"][0]
    booking_ids = sorted(post(client, "bookings", {"person_id": new_person(client, staff)[0], "slot_id": slot["id"]},
                              staff, 201)["id"] for _ in range(6))
    now = starts_at(slot) - timedelta(hours=2)
    barrier = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            run_job(world, now)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert reminder_events(world) == [(booking_id, slot["id"]) for booking_id in booking_ids]


def test_reminders_are_off_at_zero_hours_and_follow_the_configured_lead_time():
    assert reminder_job(0) is None
    assert callable(reminder_job(24))


def test_a_class_moved_after_its_reminder_is_reminded_again_before_its_new_time(client, world, staff):
    slot = create_offering(client, staff, name="Moved", start_date=in_days(7), start_time="06:40")["slots"][0]
    booking = post(client, "bookings", {"person_id": new_person(client, staff)[0], "slot_id": slot["id"]}, staff, 201)
    start = starts_at(slot)
    run_job(world, start - timedelta(hours=3))
    response = client.patch(f"/api/v1/slots/{slot['id']}", json={"time": "08:40"}, headers=staff)
    assert response.status_code == 200, response.text

    run_job(world, start - timedelta(hours=2))
    run_job(world, start - timedelta(hours=1))

    assert reminder_events(world) == [(booking["id"], slot["id"])] * 2
