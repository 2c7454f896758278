"""SQLAlchemy 2 typed tables. Every row that belongs to a tenant carries tenant_id."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bookable.domain.booking import ACTIVE

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(10, 2)
Price = Numeric(8, 2)


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as UTC; always read back timezone-aware, on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, process_bind_param and SQLite's DATETIME text in one step, by isoformat:
        the same text (`2026-05-01 16:00:00.000000`) in a fraction of the time, for every instant a
        booking writes."""
        if dialect.name == "sqlite":
            return _sqlite_utc_text
        return super().bind_processor(dialect)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is UTC:  # utc_now()'s instants: their text less the "+00:00"
        return value.isoformat(" ", "microseconds")[:-6]
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def tenant_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    max_upcoming_bookings: Mapped[int | None] = mapped_column(Integer)  # per member; None: no limit
    grouping_product_group_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cors_origins: Mapped[list[str] | None] = mapped_column(JSON)
    """Web origins whose pages may call this tenant's BRP paths from a browser (api/cors.py)."""
    language: Mapped[str | None] = mapped_column(String(16))
    """The language of the tenant's web pages when the visitor has chosen none (sv, en); None: en."""


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CredentialChanges(Base):
    """One row counting every change that must reach the workers' credential caches at once
    (a user disabled, a password reset, a key revoked): see storage.credentials."""

    __tablename__ = "credential_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class BusinessUnit(Base):
    __tablename__ = "business_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    grouping_product_group_id: Mapped[int | None] = mapped_column(Integer)


class Resource(Base):
    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="room")
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))


class ProductGroup(Base):
    __tablename__ = "product_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id"))


class ProductLabel(Base):
    __tablename__ = "product_labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))


class ProductLabelLink(Base):
    __tablename__ = "product_label_links"
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    label_id: Mapped[int] = mapped_column(
        ForeignKey("product_labels.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    product_type: Mapped[str] = mapped_column(String(32), default="groupActivity")
    bookable_from_internet: Mapped[bool] = mapped_column(Boolean, default=True)
    css_class: Mapped[str] = mapped_column(String(64), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id"))
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    labels: Mapped[list[ProductLabel]] = relationship(secondary="product_label_links", lazy="selectin")
    group: Mapped[ProductGroup | None] = relationship(lazy="joined")


class OfferingResource(Base):
    __tablename__ = "offering_resources"
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)


class Offering(Base):
    """A bookable thing: a one-off event, a course (booked whole) or a recurring class."""

    __tablename__ = "offerings"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))
    group_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(String(64), default="")
    event_message: Mapped[str] = mapped_column(Text, default="")
    spaces: Mapped[int] = mapped_column(Integer, default=1)
    online_spaces: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Price)
    max_num_bookings: Mapped[int] = mapped_column(Integer, default=1)
    duration: Mapped[int] = mapped_column(Integer, default=60)
    start_time: Mapped[time] = mapped_column(Time)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    min_cancel: Mapped[int] = mapped_column(Integer, default=1)
    max_advance: Mapped[int | None] = mapped_column(Integer)
    booking_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=0)
    ask_address: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_type: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"), index=True)
    publish_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    publish_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    bookable_from_internet: Mapped[bool] = mapped_column(Boolean, default=True)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_promote: Mapped[bool] = mapped_column(Boolean, default=True)
    max_upcoming_bookings: Mapped[int | None] = mapped_column(Integer)  # per member; None: no limit
    materialised_until: Mapped[date | None] = mapped_column(Date)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resources: Mapped[list[Resource]] = relationship(secondary="offering_resources", lazy="selectin")


class SlotResource(Base):
    __tablename__ = "slot_resources"
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Slot(Base):
    """One dated occurrence of an offering, with its own capacity."""

    __tablename__ = "slots"
    __table_args__ = (
        Index("ix_slots_tenant_starts", "tenant_id", "starts_at"),
        Index("ix_slots_business_unit_starts", "business_unit_id", "starts_at"),
        Index("ix_slots_offering_starts", "offering_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    duration: Mapped[int] = mapped_column(Integer)
    spaces: Mapped[int] = mapped_column(Integer)
    online_spaces: Mapped[int | None] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The sums of the slot's own active bookings, kept by triggers on bookings (storage.slot_counters)
    held_confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    held_reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waiting_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waiting_bookings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The highest queue number a booking of the slot has taken (numbers are never reused), kept likewise
    last_queue_number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    resources: Mapped[list[Resource]] = relationship(secondary="slot_resources", lazy="selectin")


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_tenant_email", "tenant_id", "email"),
        Index("ix_persons_tenant_card", "tenant_id", "card_number"),
        Index("ix_persons_tenant_customer", "tenant_id", "customer_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    street_address: Mapped[str] = mapped_column(String(200), default="")
    address2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    county: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    home_phone: Mapped[str] = mapped_column(String(40), default="")
    mobile_phone: Mapped[str] = mapped_column(String(40), default="")
    work_phone: Mapped[str] = mapped_column(String(40), default="")
    gender: Mapped[str | None] = mapped_column(String(16))
    person_number: Mapped[str] = mapped_column(String(32), default="")
    card_number: Mapped[str | None] = mapped_column(String(64))
    customer_number: Mapped[str | None] = mapped_column(String(64))
    contact_type: Mapped[str] = mapped_column(String(32), default="Individual")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    """The language the member last used on the pages (their emails' language); None: the tenant's."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


Index("ix_persons_tenant_email_lower", Person.tenant_id, func.lower(Person.email))
"""Members log in by email in any case (repositories.People.by_login)."""


class Registration(Base):
    """A person's registration for an event (YourMembership RegistrationID, BadgeNumber)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("tenant_id", "offering_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    code: Mapped[str] = mapped_column(String(64))
    badge_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


ACTIVE_BOOKING = text("status IN (" + ", ".join(f"'{status.value}'" for status in ACTIVE) + ")")
"""An active booking as literal SQL. A partial index is used only by statements whose condition
implies the index's, which a bound list of statuses does not: the index and the statements it
serves spell it alike."""


class Booking(Base):
    """A person's places on a slot, or on every slot of a course (slot_id is NULL)."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_slot_status", "slot_id", "status", "places"),  # covers places held per slot
        Index("ix_bookings_slot_queue", "slot_id", "queue_number"),
        Index("ux_bookings_slot_person_active", "slot_id", "person_id", unique=True,
              sqlite_where=ACTIVE_BOOKING, postgresql_where=ACTIVE_BOOKING),  # the double-booking check
        Index("ix_bookings_offering_status", "offering_id", "status"),
        Index("ix_bookings_person", "person_id", "status"),
        Index("ix_bookings_tenant_created", "tenant_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    places: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))
    queue_number: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    online: Mapped[bool] = mapped_column(Boolean, default=False)  # made by the member themself


class Attendance(Base):
    """Whether a booking's person attended one slot, and the roles they volunteered in."""

    __tablename__ = "attendance"
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    volunteering: Mapped[str] = mapped_column(String(500), default="")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payment_type: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventRecord(Base):
    """A domain event, written in the same transaction as the change it records: the audit log
    (who, through which API, what changed) and the outbox that notifications are delivered from.

    `xact` is the PostgreSQL transaction that wrote it (NULL on SQLite, whose writers take turns):
    ids are handed out before commit, so the feed shows an event only once no older transaction can
    still commit a lower id (storage.events)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_tenant_id", "tenant_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    xact: Mapped[int | None] = mapped_column(BigInteger)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("scope", "key"),)


class LoginFailure(Base):
    """Failed logins of one account or one client address, by a hash of which (api/login_throttle.py)."""

    __tablename__ = "login_failures"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
class WebFormSubmission(Base):
    """A one-time token of a booking page's form, claimed in the same transaction as what the form
    does: a double click (the same token twice) books or cancels once."""

    __tablename__ = "web_form_submissions"
    __table_args__ = (UniqueConstraint("person_id", "token"), Index("ix_web_form_submissions_created", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffFormSubmission(Base):
    """A one-time token of a staff page's form, claimed in the same transaction as what the form
    does: a double tap (the same token twice) ticks, pays or promotes once."""

    __tablename__ = "staff_form_submissions"
    __table_args__ = (UniqueConstraint("user_id", "token"), Index("ix_staff_form_submissions_created", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarFeed(Base):
    """A member's personal calendar feed: only a hash of its secret token is kept; revoked feeds stay."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class InstanceSecret(Base):
    """Secrets this installation generated for itself (the web session key), shared by every worker
    and host of one database, used only when no secret is configured."""

    __tablename__ = "instance_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BookingReminder(Base):
    """That the reminder of one booking's date, at its start time then, was recorded
    (booking.reminder_due): its key is what makes several workers racing to remind record it once
    (storage.reminders); a class moved later is reminded again."""

    __tablename__ = "booking_reminders"
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEndpoint(Base):
    """Where a tenant wants its events POSTed (notifications.webhooks). The signing secret is kept
    as given out (`whsec_...`): signing needs it, a hash would not do."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    secret: Mapped[str] = mapped_column(String(100))
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryRecord(Base):
    """One message of one channel for one outbox event (notifications.worker): unique per event,
    channel and target, so that fanning an event out again adds nothing.

    A worker that claims it sets `claimed_until` (its lease): until then no other worker sends it;
    a worker that died mid-send leaves a lease that runs out, and the delivery is sent again."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_target", "tenant_id", "channel", "target", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retry_until: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_detail: Mapped[str] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxCursor(Base):
    """How far the delivery worker has fanned the outbox out: the last event id it has read."""

    __tablename__ = "outbox_cursors"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
