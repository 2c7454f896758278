"""A real SMTP server for the tests (aiosmtpd, on a free loopback port in a thread), the native API
calls the email tests make, and the email channel run as the delivery worker will run it: each new
event of the tenant fanned out in one transaction, then each addressed message sent."""

from __future__ import annotations

import asyncio
import base64
import email
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select
from tests.conftest import World
from tests.local_dates import local_today

from bookable.domain.actors import Role
from bookable.notifications.delivery_channel import Addressed, Delivery, OutboxEvent, Outcome
from bookable.notifications.email import EmailChannel, SmtpConfig
from bookable.services import accounts
from bookable.storage import models as m

API = "/api/v1"
PUBLIC_URL = "https://book.example.org"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    session: Any = None  # the server's side of the SMTP session it came over (aiosmtpd's SMTP, one per connection)

    def body(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        return str(part.get_content())

    @property
    def text(self) -> str:
        return self.body("plain")

    @property
    def html(self) -> str:
        return self.body("html")

    def calendar(self) -> Calendar | None:
        for part in self.message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                return Calendar.from_ical(part.get_content())
        return None


@dataclass
class Inbox:
    """What the SMTP server received; addresses in `refuse` get that reply to RCPT TO."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    sessions: list[Any] = field(default_factory=list)  # the server's side of each session a message came over

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,  # type: ignore[arg-type]
                                      server))
        if server not in self.sessions:
            self.sessions.append(server)
        return "250 Message accepted for delivery"

    def hang_up(self) -> None:
        """The server closes every session a message came over, as an idle time-out does; returns
        once it has (the server runs on an event loop of its own, in another thread)."""
        async def close_all() -> None:
            for server in self.sessions:
                if server.transport is not None:
                    server.transport.close()

        if self.sessions:
            asyncio.run_coroutine_threadsafe(close_all(), self.sessions[0].loop).result(timeout=10)
        self.sessions.clear()

    def to(self, address: str) -> list[Received]:
        return [received for received in self.messages if address in received.rcpt_tos]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int

    def config(self, **changes: Any) -> SmtpConfig:
        values: dict[str, Any] = dict(enabled=True, host="127.0.0.1", port=self.port, security="none", user="",
                                      password="", timeout=10, ca_file="",
                                      sender="Riverside Gym <no-reply@gym.example>", public_url=PUBLIC_URL)
        values.update(changes)
        return SmtpConfig(**values)


def start_smtp_server(port: int) -> tuple[Controller, SmtpServer]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, SmtpServer(inbox, port)


def a_delivery(to: str = "anna@example.org") -> Delivery:
    """A rendered message, as a delivery row holds it."""
    payload = {"to": to, "to_name": "Anna Larsson", "subject": "Booking confirmed: Spinning", "text": "Hello Anna,",
               "html": "<p>Hello Anna,</p>", "language": "en", "kind": "booking_confirmed", "booking_id": 1,
               "ics": None, "ics_filename": None}
    return Delivery(id=7, tenant_id=1, event_id=41, channel="email", target="person:1", payload=payload, attempt=1)


# ---------------------------------------------------------------- the worker's part, run by hand


def last_event_id(world: World) -> int:
    with world.database.read_engine.connect() as connection:
        return int(connection.scalar(select(m.EventRecord.id).order_by(m.EventRecord.id.desc()).limit(1)) or 0)


def events_after(world: World, after_id: int) -> list[OutboxEvent]:
    query = (select(m.EventRecord).where(m.EventRecord.tenant_id == world.tenant.id, m.EventRecord.id > after_id)
             .order_by(m.EventRecord.id))
    with world.database.read_engine.connect() as connection:
        return [OutboxEvent(id=row.id, tenant_id=row.tenant_id, type=row.action, entity=row.entity,
                            entity_id=row.entity_id, before=row.before, after=row.after, actor=row.actor,
                            channel=row.channel, at=row.at)
                for row in connection.execute(query)]


def fan_out(world: World, channel: EmailChannel, events: list[OutboxEvent]) -> list[tuple[OutboxEvent, Addressed]]:
    """In one write transaction, as the worker does; payloads must survive JSON (they are stored)."""
    addressed = []
    with world.database.write_engine.begin() as connection:
        for event in events:
            for message in channel.fan_out(connection, event):
                addressed.append((event, Addressed(message.target, json.loads(json.dumps(message.payload)))))
    return addressed


def send(channel: EmailChannel, world: World, addressed: list[tuple[OutboxEvent, Addressed]]) -> list[Outcome]:
    deliveries = [Delivery(id=index + 1, tenant_id=world.tenant.id, event_id=event.id, channel="email",
                           target=message.target, payload=message.payload, attempt=1)
                  for index, (event, message) in enumerate(addressed)]
    return asyncio.run(each_then_close(channel, deliveries))


async def each_then_close(channel: EmailChannel, deliveries: list[Delivery]) -> list[Outcome]:
    """One after the other, as a worker would on its event loop, then the channel closed as the worker does."""
    try:
        return [await channel.send(delivery) for delivery in deliveries]
    finally:
        await channel.close()


def deliver(world: World, channel: EmailChannel, after_id: int) -> list[Outcome]:
    """Every event of the tenant since `after_id`, fanned out and sent."""
    return send(channel, world, fan_out(world, channel, events_after(world, after_id)))


# ---------------------------------------------------------------- the native API


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def staff_headers(world: World) -> dict[str, str]:
    username = f"staff-{uuid.uuid4().hex[:8]}"
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, "correct-horse", Role.STAFF)
        uow.commit()
    return basic(username, "correct-horse")


def new_person(client: Any, staff: dict[str, str], first: str = "Anna",
               email_address: str | None = "") -> tuple[int, str]:
    address = f"{first.lower()}-{uuid.uuid4().hex[:6]}@example.org" if email_address == "" else email_address
    body: dict[str, Any] = {"first_name": first, "last_name": "Larsson"}
    if address:
        body["email"] = address
    response = client.post(f"{API}/persons", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), address or ""


def set_password(world: World, person_id: int, password: str = "member-pass") -> None:
    with world.uow() as uow:
        person = uow.session.get(m.Person, person_id)
        assert person is not None
        person.password_hash = accounts.hash_password(password)
        uow.commit()


def set_language(world: World, language: str) -> None:
    with world.uow() as uow:
        tenant = uow.session.get(m.Tenant, world.tenant.id)
        assert tenant is not None
        tenant.language = language
        uow.commit()


def in_days(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def create_offering(client: Any, staff: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "event", "name": "Spinning", "group": "Classes", "start_date": in_days(3),
                            "start_time": "18:00", "duration": 60, "spaces": 5, "min_cancel": 0}
    body.update(overrides)
    response = client.post(f"{API}/offerings", json=body, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()


def post(client: Any, path: str, body: dict[str, Any], headers: dict[str, str], status: int = 200) -> Any:
    response = client.post(f"{API}/{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()
