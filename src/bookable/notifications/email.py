"""The email channel of the delivery worker (notifications.delivery_channel): which events tell a
member something, the complete message rendered when the event is fanned out (in the worker's
transaction, from the facts as they are then), and the send over SMTP (aiosmtplib, on sessions kept
open between messages: notifications.smtp_sessions), I/O only.

A member without an email address is skipped and logged: nothing to deliver, not a failure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib
from sqlalchemy import Connection

from bookable import ical
from bookable.domain.booking import HOLDING
from bookable.domain.events import EventType
from bookable.notifications.delivery_channel import Addressed, Delivery, OutboxEvent, Outcome
from bookable.notifications.messages import Kind, Particulars, compose
from bookable.notifications.smtp_sessions import SmtpSessions
from bookable.observability.logs import logger
from bookable.settings import Settings
from bookable.storage.queries import notifications as facts_of
from bookable.storage.queries.notifications import BookingFacts
from bookable.web.i18n import DEFAULT_LANGUAGE, known

log = logger("bookable.email")

CLASS_GONE_REASONS = ("class_cancelled", "class_dropped")
LEDGER_KINDS = {EventType.PAYMENT_RECORDED: Kind.PAYMENT, EventType.REFUND_ISSUED: Kind.REFUND,
                EventType.CREDIT_NOTE_ISSUED: Kind.CREDIT_NOTE}
WITHOUT_CALENDAR = (Kind.PAYMENT, Kind.REFUND, Kind.CREDIT_NOTE)


@dataclass(frozen=True)
class SmtpConfig:
    enabled: bool
    host: str
    port: int
    security: str  # none, starttls, tls
    user: str
    password: str
    timeout: int
    ca_file: str
    sender: str
    public_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(settings.email, settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.smtp_user,
                   settings.smtp_password, settings.smtp_timeout, settings.smtp_ca_file, settings.email_from,
                   settings.public_url)

    @property
    def site_host(self) -> str:
        return urlsplit(self.public_url).hostname or "bookable"

    def bookings_url(self, tenant_slug: str) -> str:
        return f"{self.public_url.rstrip('/')}/{tenant_slug}/bookings"


@dataclass(frozen=True)
class Addressee:
    """One message to render: about which booking, what kind, and what it adds to the facts."""

    booking_id: int
    kind: Kind
    particulars: Particulars = Particulars()
    only_slot_id: int | None = None  # a reminder is about one date of a course


class EmailChannel:
    name = "email"
    in_turn = True  # a member reads of a booking's changes in the order they happened

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.sessions = SmtpSessions(lambda: smtp_client(config))

    def idle(self, connection: Connection) -> bool:
        return not self.config.enabled

    def fan_out(self, connection: Connection, event: OutboxEvent) -> list[Addressed]:
        if not self.config.enabled:
            return []
        messages = []
        for addressee in addressees(connection, event):
            message = self._render(connection, event, addressee)
            if message is not None:
                messages.append(message)
        return messages

    def _render(self, connection: Connection, event: OutboxEvent, addressee: Addressee) -> Addressed | None:
        facts = facts_of.booking_facts(connection, event.tenant_id, addressee.booking_id)
        if facts is None:
            return None
        if facts.recipient.email is None:
            log.info("email skipped: no address", tenant_id=event.tenant_id, event_id=event.id,
                     event_type=event.type, person_id=facts.recipient.person_id, booking_id=facts.booking_id)
            return None
        if addressee.only_slot_id is not None:
            facts = _only_date(facts, addressee.only_slot_id)
        language = known(facts.recipient.language) or known(facts.tenant.language) or DEFAULT_LANGUAGE
        with_calendar = addressee.kind not in WITHOUT_CALENDAR and bool(facts.dates)
        email = compose(addressee.kind, facts, language, self.config.bookings_url(facts.tenant.slug),
                        addressee.particulars, with_calendar=with_calendar)
        payload: dict[str, Any] = {
            "to": facts.recipient.email,
            "to_name": one_line(f"{facts.recipient.first_name} {facts.recipient.last_name}"),
            "subject": one_line(email.subject), "text": email.text, "html": email.html, "language": language,
            "kind": addressee.kind.value, "booking_id": facts.booking_id, "ics": None, "ics_filename": None,
        }
        if with_calendar:
            payload["ics"] = self._calendar(facts, event).decode()
            payload["ics_filename"] = f"{facts.tenant.slug}-booking-{facts.booking_id}.ics"
        return Addressed(f"person:{facts.recipient.person_id}", payload)

    def _calendar(self, facts: BookingFacts, event: OutboxEvent) -> bytes:
        """The booking's dates with the same ids as the web pages' .ics, so importing it updates them."""
        host = self.config.site_host
        items = [ical.CalendarItem(uid=ical.booking_uid(facts.booking_id, booked.slot_id, facts.tenant.slug, host),
                                   name=facts.offering_name, starts_at=booked.starts_at, ends_at=booked.ends_at,
                                   changed_at=facts.changed_at, status=ical.booking_status(facts.status,
                                                                                           booked.cancelled),
                                   place=booked.place, description=facts.description)
                 for booked in facts.dates]
        name = f"{facts.offering_name} · {facts.tenant.name}"
        return ical.calendar(facts.tenant.timezone, items, event.at, name=name,
                             organizer=(facts.tenant.name, f"noreply@{host}"))

    async def send(self, delivery: Delivery) -> Outcome:
        try:
            message = mime_message(delivery, self.config)
        except (KeyError, TypeError, ValueError) as error:  # an address no mail system takes: trying again won't help
            return Outcome(delivered=False, retry=False, detail=f"cannot be sent: {error}")
        try:
            reply = await self.sessions.send(message)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            code = refused.recipients[0].code if refused.recipients else 550
            return _refused(code, str(refused))
        except aiosmtplib.SMTPResponseException as error:
            return _refused(error.code, error.message)
        except (aiosmtplib.SMTPException, OSError) as error:
            return Outcome(delivered=False, retry=True, detail=f"{type(error).__name__}: {error}")
        return Outcome(delivered=True, retry=False, status=250, detail=reply)

    async def close(self) -> None:
        await self.sessions.close()


def smtp_client(config: SmtpConfig) -> aiosmtplib.SMTP:
    """A session to the configured server, not yet connected."""
    return aiosmtplib.SMTP(hostname=config.host, port=config.port, username=config.user or None,
                           password=config.password or None, use_tls=config.security == "tls",
                           start_tls=config.security == "starttls", timeout=config.timeout,
                           cert_bundle=config.ca_file or None)


def one_line(text: str) -> str:
    """Header text on one line, whatever was typed into a name (a header may not hold a line break)."""
    return " ".join(text.split())


def _refused(code: int, detail: str) -> Outcome:
    """5xx is the server's final word (no such mailbox, refused): retrying would not change it."""
    return Outcome(delivered=False, retry=code < 500, status=code, detail=detail)


def mime_message(delivery: Delivery, config: SmtpConfig) -> Message:
    """The message as sent: text and HTML alternatives, and the booking's .ics attached.

    Built with the email package's MIME classes (its compat32 API): non-ASCII headers are encoded
    as RFC 2047 words and bodies as base64 here, once. `EmailMessage` parses every header it is
    given into a structured object and folds it again when flattened; that cost some 2 ms of the
    worker's CPU per message, two thirds of an email's whole cost (docs/performance.md). The
    boundaries are set, not drawn: drawing one compiles a regular expression to search the parts
    for it. Every part is base64 (utf-8 text), whose lines cannot start with "--", so no line of a
    part can be taken for a boundary."""
    payload = delivery.payload
    _refuse_line_breaks(payload["to"], payload["to_name"], payload["subject"], payload["language"],
                        payload.get("ics_filename") or "")
    alternatives = MIMEMultipart("alternative", boundary=f"=_alternative_{delivery.id}")
    alternatives.attach(MIMEText(payload["text"], "plain", "utf-8"))
    alternatives.attach(MIMEText(payload["html"], "html", "utf-8"))
    message: Message = alternatives
    if payload.get("ics"):
        message = MIMEMultipart("mixed", boundary=f"=_mixed_{delivery.id}")
        message.attach(alternatives)
        calendar = MIMEText(payload["ics"], "calendar", "utf-8")
        calendar.set_param("method", "PUBLISH")
        calendar.add_header("Content-Disposition", "attachment", filename=payload["ics_filename"])
        message.attach(calendar)
    message["From"] = formataddr(parseaddr(config.sender), charset="utf-8")
    message["To"] = formataddr((payload["to_name"], payload["to"]), charset="utf-8") \
        if payload["to_name"] else payload["to"]
    message["Subject"] = _text_header(payload["subject"], "Subject")
    message["Date"] = formatdate(usegmt=True)
    # the same id on every attempt, so a mail system that got the first one can tell a repeat
    message["Message-ID"] = f"<delivery-{delivery.id}.event-{delivery.event_id}@{config.site_host}>"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = payload["language"]
    return message


def _refuse_line_breaks(*values: str) -> None:
    """A line break in a header's value would start a header of its own (a Bcc, say)."""
    if any("\r" in value or "\n" in value for value in values):
        raise ValueError("a header may not hold a line break")


def _text_header(value: str, name: str) -> str:
    """Plain ASCII as it is; anything else as RFC 2047 encoded words, folded for the header."""
    return value if value.isascii() else Header(value, "utf-8", header_name=name).encode()


# ---------------------------------------------------------------- which events tell whom what


def addressees(connection: Connection, event: OutboxEvent) -> list[Addressee]:
    after = event.after or {}
    if event.entity == "booking" and event.entity_id is not None:
        addressee = _about_booking(connection, event, event.entity_id, after)
        return [] if addressee is None else [addressee]
    if event.entity == "slot" and event.entity_id is not None:
        return _about_slot(connection, event, event.entity_id)
    return []


def _about_booking(connection: Connection, event: OutboxEvent, booking_id: int,
                   after: dict[str, Any]) -> Addressee | None:
    kind = event.type
    if kind == EventType.BOOKING_CREATED:
        confirmed = after.get("status") == "confirmed"
        return Addressee(booking_id, Kind.CONFIRMED if confirmed else Kind.RESERVED) \
            if after.get("status") in HOLDING else None
    if kind == EventType.BOOKING_CONFIRMED:  # staff confirmed a reserved place
        return Addressee(booking_id, Kind.CONFIRMED)
    if kind == EventType.BOOKING_WAITLISTED:
        return Addressee(booking_id, Kind.WAITLISTED)
    if kind == EventType.BOOKING_PROMOTED:
        return Addressee(booking_id, Kind.PROMOTED)
    if kind == EventType.BOOKING_CANCELLED:
        reason = after.get("reason")
        if reason in CLASS_GONE_REASONS:
            return Addressee(booking_id, Kind.CLASS_CANCELLED)
        return Addressee(booking_id, Kind.CANCELLED, Particulars(
            cancelled_by_member=after.get("cancelled_by") == "member",
            reason=reason if isinstance(reason, str) else None))
    if kind in LEDGER_KINDS:
        amount = _amount(after.get("amount"))
        if amount is None:
            return None
        return Addressee(booking_id, LEDGER_KINDS[EventType(kind)], Particulars(amount=amount))
    if kind == EventType.BOOKING_REMINDER_DUE:
        return _reminder(connection, event, booking_id, after)
    return None


def _reminder(connection: Connection, event: OutboxEvent, booking_id: int, after: dict[str, Any]) -> Addressee | None:
    """Only while the booking still holds its place on a date that is still on."""
    slot_id = after.get("reminded_slot_id")
    facts = facts_of.booking_facts(connection, event.tenant_id, booking_id)
    if facts is None or facts.status not in HOLDING or not isinstance(slot_id, int):
        return None
    if not any(booked.slot_id == slot_id and not booked.cancelled for booked in facts.dates):
        return None
    return Addressee(booking_id, Kind.REMINDER, only_slot_id=slot_id)


def _about_slot(connection: Connection, event: OutboxEvent, slot_id: int) -> list[Addressee]:
    """A class cancelled or moved: one message per booking that is still on it. (Cancelling a class
    with its bookings cancels them first, each telling its member; none is left to tell here.)"""
    if event.type == EventType.SLOT_CANCELLED:
        kind, particulars = Kind.CLASS_CANCELLED, Particulars()
    elif event.type == EventType.SLOT_UPDATED and _start_changed(event):
        kind, particulars = Kind.CLASS_MOVED, Particulars(moved_from=_local_start(event.before or {}))
    else:
        return []
    return [Addressee(booking_id, kind, particulars, only_slot_id=slot_id)  # a course's other dates are unchanged
            for booking_id in facts_of.active_bookings_of_slot(connection, event.tenant_id, slot_id)]


def _start_changed(event: OutboxEvent) -> bool:
    before, after = event.before or {}, event.after or {}
    return any(before.get(name) != after.get(name) for name in ("local_date", "local_time"))


def _local_start(values: dict[str, Any]) -> tuple[date, time] | None:
    try:
        return date.fromisoformat(values["local_date"]), time.fromisoformat(values["local_time"])
    except (KeyError, TypeError, ValueError):
        return None


def _amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _only_date(facts: BookingFacts, slot_id: int) -> BookingFacts:
    return replace(facts, dates=[booked for booked in facts.dates if booked.slot_id == slot_id])
