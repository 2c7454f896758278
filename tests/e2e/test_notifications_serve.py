"""`bookable serve`'s own delivery worker tells people: a booking, a waiting-list place, a
cancellation and the promotion it causes reach a real SMTP server as emails and a real receiver as
signed webhooks, and a restarted server with reminders on reminds the member who holds the place."""

from __future__ import annotations

import time

import httpx
from bench.webhook_receiver import receiving
from e2e_support import cli_environment, running_server
from sqlalchemy import select, update
from standardwebhooks import Webhook
from test_serve import STAFF, set_up_club
from tests.live_server import free_port
from tests.notifications.email_support import start_smtp_server

from bookable.domain.actors import Actor, Channel, Role
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

EMAILS = ("ann@example.org", "bo@example.org")
EVENT_TYPES = ["booking.created", "booking.waitlisted", "booking.cancelled", "booking.promoted"]


def worker_environment(smtp_port: int, reminder_hours: int) -> dict[str, str]:
    return cli_environment(
        BOOKABLE_EMAIL="true", BOOKABLE_SMTP_HOST="127.0.0.1", BOOKABLE_SMTP_PORT=str(smtp_port),
        BOOKABLE_SMTP_SECURITY="none", BOOKABLE_EMAIL_FROM="Riverside <no-reply@riverside.example>",
        BOOKABLE_PUBLIC_URL="https://book.riverside.example", BOOKABLE_REMINDER_HOURS=str(reminder_hours),
        BOOKABLE_WEBHOOKS_ALLOWED_NETWORKS="127.0.0.1/32", BOOKABLE_DELIVERY_POLL_MILLISECONDS="50")


def subjects_by_recipient(inbox, count: int, timeout: float = 60.0) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    found: dict[str, list[str]] = {}
    for received in inbox.messages:
        for address in received.rcpt_tos:
            found.setdefault(address, []).append(str(received.message["Subject"]).split(":")[0])
    return found


def test_the_serve_worker_emails_and_signs_every_change_and_reminds_once_after_a_restart(
        fresh_url, open_database, tmp_path):
    club = set_up_club(open_database, spaces=1, people=2)
    with UnitOfWork(open_database, 0) as uow:
        for person, address in zip(club.people, EMAILS, strict=True):
            uow.session.execute(update(m.Person).where(m.Person.id == person).values(email=address))
        tenant_id = uow.session.scalar(select(m.Tenant.id).where(m.Tenant.slug == "riverside"))
        uow.commit()
    controller, smtp = start_smtp_server(free_port())
    try:
        with receiving() as receiver:
            with UnitOfWork(open_database, tenant_id) as uow:
                secret = webhook_endpoints.create(
                    uow, Actor(tenant_id, "setup", Role.ADMIN, Channel.CLI), AddressPolicy(allow_private=True),
                    receiver.url, EVENT_TYPES, True).secret
                uow.commit()
            with running_server(fresh_url, tmp_path / "serve.log", env=worker_environment(smtp.port, 0)) as (base, _):
                booked = [httpx.post(f"{base}/api/v1/bookings", auth=STAFF, timeout=30, json={
                    "slot_id": club.slot_id, "person_id": person, "waitlist": "if_full"}).json()
                    for person in club.people]
                assert [booking["status"] for booking in booked] == ["confirmed", "waitlisted"]
                cancelled = httpx.post(f"{base}/api/v1/bookings/{booked[0]['id']}/cancel", json={}, auth=STAFF,
                                       timeout=30)
                assert cancelled.status_code == 200, cancelled.text
                mail = subjects_by_recipient(smtp.inbox, 4)
                hooks = receiver.wait_for(4, timeout=60)

            assert mail == {EMAILS[0]: ["Booking confirmed", "Booking cancelled"],
                            EMAILS[1]: ["Waiting list", "You got a place"]}
            verifier = Webhook(secret)
            assert sorted(verifier.verify(hook.body, hook.headers)["type"] for hook in hooks) == sorted(EVENT_TYPES)

            smtp.inbox.messages.clear()
            with running_server(fresh_url, tmp_path / "again.log", env=worker_environment(smtp.port, 24 * 14)):
                reminded = subjects_by_recipient(smtp.inbox, 1)
    finally:
        controller.stop()

    assert reminded == {EMAILS[1]: ["Reminder"]}
    with open_database.session(write=False) as session:
        delivered = select(m.DeliveryRecord.channel).where(m.DeliveryRecord.status == "delivered")
        channels = sorted(session.scalars(delivered))
    assert channels == ["email"] * 5 + ["webhook"] * 4
