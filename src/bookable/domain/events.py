"""Domain events: what a use case changed, recorded in the same transaction as the change.

The recorded events are both the audit log (who, through which API, what changed) and the outbox
that webhooks and emails are delivered from (docs/events.md lists every type and its data).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple


class EventType(StrEnum):
    BOOKING_CREATED = "booking.created"
    BOOKING_WAITLISTED = "booking.waitlisted"
    BOOKING_PROMOTED = "booking.promoted"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_UNCONFIRMED = "booking.unconfirmed"
    BOOKING_REMINDER_DUE = "booking.reminder_due"
    PAYMENT_RECORDED = "ledger.payment"
    REFUND_ISSUED = "ledger.refund"
    CREDIT_NOTE_ISSUED = "ledger.credit_note"
    ATTENDANCE_MARKED = "attendance.marked"
    SLOT_UPDATED = "slot.updated"
    SLOT_CAPACITY_CHANGED = "slot.capacity_changed"
    SLOT_CANCELLED = "slot.cancelled"
    SLOT_RESTORED = "slot.restored"
    SLOT_DELETED = "slot.deleted"
    OFFERING_CREATED = "offering.created"
    OFFERING_UPDATED = "offering.updated"
    OFFERING_DELETED = "offering.deleted"
    REGISTRATION_SESSIONS_ASSIGNED = "registration.sessions_assigned"
    REGISTRATION_SESSIONS_REMOVED = "registration.sessions_removed"
    PERSON_DETAILS_FILLED = "person.details_filled"
    PERSON_PASSWORD_SET = "person.password_set"
    TENANT_UPDATED = "tenant.updated"
    USER_CREATED = "user.created"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PASSWORD_RESET = "user.password_reset"
    API_KEY_CREATED = "apikey.created"
    API_KEY_REVOKED = "apikey.revoked"
    CALENDAR_FEED_CREATED = "calendar_feed.created"
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked"
    WEBHOOK_ENDPOINT_CREATED = "webhook.endpoint_created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook.endpoint_updated"
    WEBHOOK_ENDPOINT_DELETED = "webhook.endpoint_deleted"
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"


CATALOG_ENTITIES = ("business_unit", "resource", "product_group", "product_label", "product", "person", "registration")
CATALOG_CHANGES = ("created", "updated", "deleted")
"""Catalogue rows and people record `<entity>.<change>`, e.g. product.updated (catalog_event())."""


def catalog_event(entity: str, change: str) -> str:
    if entity not in CATALOG_ENTITIES or change not in CATALOG_CHANGES:
        raise ValueError(f"no event type {entity}.{change}")
    return f"{entity}.{change}"


def event_types() -> list[str]:
    """Every event type there is: what a webhook endpoint may subscribe to."""
    return [*EventType, *(catalog_event(e, c) for e in CATALOG_ENTITIES for c in CATALOG_CHANGES)]


class DomainEvent(NamedTuple):
    """One change: its type, the entity it happened to, and that entity's values before and after
    (only those that matter to the change; plain JSON values)."""

    type: str  # an EventType, or a catalog_event()
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


BOOKING_FIELDS = ("person_id", "offering_id", "slot_id", "places", "status", "queue_number", "registration_id")
"""What a booking event shows of the booking."""


def booking_snapshot(booking: Any) -> dict[str, Any]:
    """BOOKING_FIELDS of a booking (its values are plain already): every booking event carries it."""
    return {"person_id": booking.person_id, "offering_id": booking.offering_id, "slot_id": booking.slot_id,
            "places": booking.places, "status": booking.status, "queue_number": booking.queue_number,
            "registration_id": booking.registration_id}


def snapshot(row: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a row as plain JSON values."""
    return {name: plain(getattr(row, name)) for name in fields}


_AS_IS = (int, str, bool, float, type(None))
_AS_ISO = (datetime, date, time)


def plain(value: Any) -> Any:
    if type(value) in _AS_IS:  # most values: checked first, and without a union built per call
        return value
    if isinstance(value, _AS_ISO):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
