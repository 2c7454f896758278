"""Reads for the members' web pages (bookable.web): a tenant's site, a week's timetable, a course's
dates, a member's bookings and their ledgers, calendar entries. A timetable week is one SELECT
(places held, waiting-list size, names and the member's own booking come from correlated
subqueries, as in queries/brp.py), plus one for the courses it shows."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bookable.domain.booking import ACTIVE, HOLDING
from bookable.domain.money import EntryKind, LedgerLine
from bookable.storage import models as m
from bookable.storage.queries.brp import json_pairs

# ---------------------------------------------------------------- the tenant's site


@dataclass(frozen=True)
class Site:
    id: int
    slug: str
    name: str
    timezone: str
    currency: str
    language: str | None


def site(session: Session, slug: str) -> Site | None:
    row = session.execute(select(m.Tenant.id, m.Tenant.slug, m.Tenant.name, m.Tenant.timezone, m.Tenant.currency,
                                 m.Tenant.language).where(m.Tenant.slug == slug)).first()
    return None if row is None else Site(*row)


def sites(session: Session) -> list[tuple[str, str]]:
    """Every tenant's (slug, name), by name."""
    return [(row.slug, row.name) for row in session.execute(select(m.Tenant.slug, m.Tenant.name)
                                                            .order_by(m.Tenant.name, m.Tenant.slug))]


@dataclass(frozen=True)
class Choices:
    """What the timetable can be filtered by: (id, name) pairs, by name."""

    business_units: tuple[tuple[int, str], ...]
    product_groups: tuple[tuple[int, str], ...]
    products: tuple[tuple[int, str], ...]
    resources: tuple[tuple[int, str], ...]


def filter_choices(session: Session, tenant_id: int) -> Choices:
    def named(model: Any, *conditions: Any) -> tuple[tuple[int, str], ...]:
        query = select(model.id, model.name).where(model.tenant_id == tenant_id, *conditions)
        return tuple((row.id, row.name) for row in session.execute(query.order_by(model.name, model.id)))

    return Choices(named(m.BusinessUnit), named(m.ProductGroup), named(m.Product), named(m.Resource))


# ---------------------------------------------------------------- a week of classes


@dataclass(frozen=True)
class WeekFilter:
    starts_from: datetime
    starts_before: datetime
    now: datetime
    business_unit: int | None = None
    product_group: int | None = None
    product: int | None = None
    resource: int | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class SlotRow:
    """One dated class or course date, as the timetable shows it."""

    id: int
    offering_id: int
    kind: str
    name: str
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool
    held: int
    waiting_bookings: int
    max_advance: int | None
    cutoff_minutes: int
    min_cancel: int
    waitlist_enabled: bool
    bookable_from_internet: bool
    max_num_bookings: int
    price: Decimal | None
    business_unit: str | None
    product_group: str | None
    css_class: str
    resources: tuple[tuple[int, str, str], ...]
    own_booking_id: int | None
    own_status: str | None

    @property
    def instructors(self) -> list[str]:
        return [name for _, name, kind in self.resources if kind == "instructor"]

    @property
    def rooms(self) -> list[str]:
        return [name for _, name, kind in self.resources if kind != "instructor"]


def _places_held_on_slot() -> Any:
    return m.Slot.held_confirmed + m.Slot.held_reserved  # kept on the row (storage.slot_counters)


def _waiting_on_slot() -> Any:
    return m.Slot.waiting_bookings


def _resources_of_slot() -> Any:
    return (select(json_pairs(m.Resource.id, m.Resource.name, m.Resource.kind))
            .join(m.SlotResource, m.SlotResource.resource_id == m.Resource.id)
            .where(m.SlotResource.slot_id == m.Slot.id).scalar_subquery())


def _own_booking(column: Any) -> Any:
    """The member's active booking of the slot, or of the whole course the slot belongs to."""
    own = and_(m.Booking.person_id == bindparam("person_id"), m.Booking.status.in_(ACTIVE))
    of_slot = m.Booking.slot_id == m.Slot.id
    of_course = and_(m.Offering.kind == "course", m.Booking.offering_id == m.Offering.id, m.Booking.slot_id.is_(None))
    return select(column).where(own, or_(of_slot, of_course)).order_by(m.Booking.id).limit(1).scalar_subquery()


def _published() -> Any:
    now = bindparam("now", type_=m.UtcDateTime())
    return and_(or_(m.Offering.publish_start.is_(None), m.Offering.publish_start <= now),
                or_(m.Offering.publish_end.is_(None), m.Offering.publish_end > now))


_WEEK_FILTERS = ("business_unit", "product_group", "product", "resource")


@functools.cache
def _week_query(with_member: bool, filters: tuple[bool, ...]) -> Select[Any]:
    """Built once per shape (which filters are given, a member or not), every value a parameter."""
    columns = [
        m.Slot.id, m.Slot.offering_id, m.Offering.kind, m.Offering.name, m.Slot.starts_at, m.Slot.ends_at,
        m.Slot.spaces, m.Slot.online_spaces, m.Slot.cancelled, _places_held_on_slot(), _waiting_on_slot(),
        m.Offering.max_advance, m.Offering.booking_cutoff_minutes, m.Offering.min_cancel,
        m.Offering.waitlist_enabled, m.Offering.bookable_from_internet, m.Offering.max_num_bookings,
        m.Offering.price, m.BusinessUnit.name, m.ProductGroup.name, m.Product.css_class, _resources_of_slot(),
    ]
    columns += [_own_booking(m.Booking.id), _own_booking(m.Booking.status)] if with_member else []
    business_unit, product_group, product, resource = filters
    query = (
        select(*columns)
        .join(m.Offering, m.Offering.id == m.Slot.offering_id)
        .outerjoin(m.Product, m.Product.id == m.Offering.product_id)
        .outerjoin(m.ProductGroup, m.ProductGroup.id == m.Product.group_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Slot.tenant_id == bindparam("tenant_id"),
               m.Slot.starts_at >= bindparam("starts_from", type_=m.UtcDateTime()),
               m.Slot.starts_at < bindparam("starts_before", type_=m.UtcDateTime()),
               m.Slot.deleted.is_(False), m.Offering.deleted.is_(False), m.Offering.disabled.is_(False),
               _published())
    )
    if business_unit:
        query = query.where(m.Slot.business_unit_id == bindparam("business_unit"))
    if product_group:
        parent = aliased(m.ProductGroup)
        in_group = exists(select(parent.id).where(parent.id == m.ProductGroup.parent_id,
                                                  parent.id == bindparam("product_group")))
        query = query.where(or_(m.Product.group_id == bindparam("product_group"), in_group))
    if product:
        query = query.where(m.Offering.product_id == bindparam("product"))
    if resource:
        query = query.where(exists(select(m.SlotResource.slot_id).where(
            m.SlotResource.slot_id == m.Slot.id, m.SlotResource.resource_id == bindparam("resource"))))
    return query.order_by(m.Slot.starts_at, m.Slot.id)


def week(connection: Connection, tenant_id: int, wanted: WeekFilter) -> list[SlotRow]:
    params: dict[str, Any] = {"tenant_id": tenant_id, "starts_from": wanted.starts_from,
                              "starts_before": wanted.starts_before, "now": wanted.now}
    given = tuple(getattr(wanted, name) is not None for name in _WEEK_FILTERS)
    params.update({name: getattr(wanted, name) for name in _WEEK_FILTERS if getattr(wanted, name) is not None})
    with_member = wanted.person_id is not None
    if with_member:
        params["person_id"] = wanted.person_id
    return [_slot_row(values, with_member) for values in connection.execute(_week_query(with_member, given), params)]


def _slot_row(v: Sequence[Any], with_member: bool) -> SlotRow:
    own = (v[22], v[23]) if with_member else (None, None)
    return SlotRow(
        id=v[0], offering_id=v[1], kind=v[2], name=v[3], starts_at=v[4], ends_at=v[5], spaces=v[6],
        online_spaces=v[7], cancelled=bool(v[8]), held=int(v[9]), waiting_bookings=int(v[10]), max_advance=v[11],
        cutoff_minutes=v[12] or 0, min_cancel=v[13], waitlist_enabled=bool(v[14]), bookable_from_internet=bool(v[15]),
        max_num_bookings=v[16], price=v[17], business_unit=v[18], product_group=v[19], css_class=v[20] or "",
        resources=triples(v[21]), own_booking_id=own[0], own_status=own[1],
    )


def triples(text: str | None) -> tuple[tuple[int, str, str], ...]:
    """Decoded json_pairs of (id, name, kind), ordered by name."""
    if not text:
        return ()
    return tuple(sorted(((int(r[0]), str(r[1]), str(r[2])) for r in orjson.loads(text) if r[0] is not None),
                        key=lambda row: (row[1], row[0])))


# ---------------------------------------------------------------- courses: booked whole


@dataclass(frozen=True)
class CourseDate:
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool
    held_on_slot: int


@dataclass(frozen=True)
class Course:
    offering_id: int
    dates: list[CourseDate]
    held: int
    """Places held by bookings of the whole course (they hold a place on every date)."""
    waiting_bookings: int
    own_booking_id: int | None = None
    own_status: str | None = None


def courses(connection: Connection, offering_ids: Sequence[int], person_id: int | None) -> dict[int, Course]:
    """Every date of each course, the places its bookings hold, and the member's own booking."""
    if not offering_ids:
        return {}
    dates: dict[int, list[CourseDate]] = defaultdict(list)
    query = (select(m.Slot.offering_id, m.Slot.id, m.Slot.starts_at, m.Slot.ends_at, m.Slot.spaces,
                    m.Slot.online_spaces, m.Slot.cancelled, _places_held_on_slot())
             .where(m.Slot.offering_id.in_(offering_ids), m.Slot.deleted.is_(False))
             .order_by(m.Slot.starts_at, m.Slot.id))
    for row in connection.execute(query):
        dates[row[0]].append(CourseDate(row[1], row[2], row[3], row[4], row[5], bool(row[6]), int(row[7])))
    held: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    own: dict[int, tuple[int, str]] = {}
    bookings = (select(m.Booking.offering_id, m.Booking.id, m.Booking.status, m.Booking.places, m.Booking.person_id)
                .where(m.Booking.offering_id.in_(offering_ids), m.Booking.slot_id.is_(None),
                       m.Booking.status.in_(ACTIVE)).order_by(m.Booking.id))
    for offering_id, booking_id, status, places, owner in connection.execute(bookings):
        if status == "waitlisted":
            waiting[offering_id] += 1
        else:
            held[offering_id] += int(places)
        if person_id is not None and owner == person_id:
            own.setdefault(offering_id, (booking_id, status))
    return {offering_id: Course(offering_id, dates[offering_id], held[offering_id], waiting[offering_id],
                                *own.get(offering_id, (None, None)))
            for offering_id in offering_ids}


# ---------------------------------------------------------------- a member's bookings


@dataclass(frozen=True)
class MemberBooking:
    id: int
    status: str
    places: int
    queue_number: int | None
    offering_id: int
    kind: str
    name: str
    price: Decimal | None
    min_cancel: int
    slot_id: int | None
    starts_at: datetime
    ends_at: datetime
    cancelled_slot: bool
    business_unit: str | None


def member_bookings(session: Session, tenant_id: int, person_id: int, *, limit: int = 200) -> list[MemberBooking]:
    """The person's bookings, latest start first; a course booking spans its first to last date."""
    dated = aliased(m.Slot)
    first_start = (select(func.min(dated.starts_at)).where(dated.offering_id == m.Offering.id,
                                                            dated.deleted.is_(False)).scalar_subquery())
    last_end = (select(func.max(dated.ends_at)).where(dated.offering_id == m.Offering.id,
                                                       dated.deleted.is_(False)).scalar_subquery())
    unit = aliased(m.BusinessUnit)
    query = (
        select(m.Booking.id, m.Booking.status, m.Booking.places, m.Booking.queue_number, m.Offering.id,
               m.Offering.kind, m.Offering.name, m.Offering.price, m.Offering.min_cancel, m.Booking.slot_id,
               m.Slot.starts_at, m.Slot.ends_at, m.Slot.cancelled, first_start, last_end, unit.name)
        .join(m.Offering, m.Offering.id == m.Booking.offering_id)
        .outerjoin(m.Slot, m.Slot.id == m.Booking.slot_id)
        .outerjoin(unit, unit.id == func.coalesce(m.Slot.business_unit_id, m.Offering.business_unit_id))
        .where(m.Booking.tenant_id == tenant_id, m.Booking.person_id == person_id)
        .order_by(m.Booking.id.desc())
        .limit(limit)
    )
    rows = [_member_booking(v) for v in session.execute(query)]
    return sorted((row for row in rows if row.starts_at is not None), key=lambda row: (row.starts_at, row.id))


def _aware(value: datetime | str | None) -> datetime | None:
    """min()/max() over a UTC column lose the column's type on SQLite: read them back as UTC instants."""
    if value is None:
        return None
    return m.UtcDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None)


def _member_booking(v: Sequence[Any]) -> MemberBooking:
    on_slot = v[9] is not None
    return MemberBooking(
        id=v[0], status=v[1], places=v[2], queue_number=v[3], offering_id=v[4], kind=v[5], name=v[6], price=v[7],
        min_cancel=v[8], slot_id=v[9], starts_at=v[10] if on_slot else _aware(v[13]),  # type: ignore[arg-type]
        ends_at=v[11] if on_slot else _aware(v[14]),  # type: ignore[arg-type]
        cancelled_slot=bool(v[12]) if on_slot else False, business_unit=v[15],
    )


def waiting_positions(connection: Connection, booking_ids: Sequence[int]) -> dict[int, int]:
    """Each waitlisted booking's place in its queue (1 = the next to be promoted), by booking id."""
    if not booking_ids:
        return {}
    mine, other = aliased(m.Booking), aliased(m.Booking)
    same_queue = or_(and_(mine.slot_id.is_not(None), other.slot_id == mine.slot_id),
                     and_(mine.slot_id.is_(None), other.slot_id.is_(None), other.offering_id == mine.offering_id))
    ahead = (select(func.count(other.id))
             .where(same_queue, other.status == "waitlisted", other.queue_number <= mine.queue_number)
             .scalar_subquery())
    query = select(mine.id, ahead).where(mine.id.in_(list(booking_ids)), mine.status == "waitlisted")
    return {booking_id: int(position) for booking_id, position in connection.execute(query)}


def ledger_lines(session: Session, tenant_id: int, booking_ids: Sequence[int]) -> dict[int, list[LedgerLine]]:
    """The ledger of each booking, summed by kind."""
    lines: dict[int, list[LedgerLine]] = defaultdict(list)
    if not booking_ids:
        return lines
    query = (select(m.LedgerEntry.booking_id, m.LedgerEntry.kind, func.sum(m.LedgerEntry.amount))
             .where(m.LedgerEntry.tenant_id == tenant_id, m.LedgerEntry.booking_id.in_(booking_ids))
             .group_by(m.LedgerEntry.booking_id, m.LedgerEntry.kind))
    for booking_id, kind, amount in session.execute(query):
        lines[booking_id].append(LedgerLine(EntryKind(kind), Decimal(amount)))
    return lines


# ---------------------------------------------------------------- calendar entries


@dataclass(frozen=True)
class CalendarEntry:
    booking_id: int
    slot_id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    place: str
    status: str
    changed_at: datetime


def calendar_entries(session: Session, tenant_id: int, person_id: int, *, booking_id: int | None = None,
                     ending_after: datetime | None = None) -> list[CalendarEntry]:
    """Every dated slot of the person's bookings (a course booking: each of its dates): one booking's,
    or those of every active booking ending after `ending_after`."""
    on_slot = m.Slot.id == m.Booking.slot_id
    on_course = and_(m.Booking.slot_id.is_(None), m.Slot.offering_id == m.Booking.offering_id)
    query = (
        select(m.Booking.id, m.Slot.id, m.Offering.name, m.Offering.description, m.Slot.starts_at, m.Slot.ends_at,
               m.Slot.cancelled, m.BusinessUnit.name, m.Booking.status, m.Booking.changed_at)
        .join(m.Offering, m.Offering.id == m.Booking.offering_id)
        .join(m.Slot, or_(on_slot, on_course))
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Booking.tenant_id == tenant_id, m.Booking.person_id == person_id, m.Slot.deleted.is_(False))
        .order_by(m.Slot.starts_at, m.Slot.id)
    )
    if booking_id is not None:
        query = query.where(m.Booking.id == booking_id)
    else:
        query = query.where(m.Booking.status.in_(HOLDING))
    if ending_after is not None:
        query = query.where(m.Slot.ends_at > ending_after)
    return [CalendarEntry(v[0], v[1], v[2], v[3] or "", v[4], v[5], bool(v[6]), v[7] or "", v[8], v[9])
            for v in session.execute(query)]


# ---------------------------------------------------------------- the public timetable feeds


@dataclass(frozen=True)
class TimetableEntry:
    """One published class of the public calendar feeds (cancelled ones too: they show as cancelled)."""

    slot_id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    place: str
    changed_at: datetime
    resources: tuple[tuple[int, str, str], ...]


def timetable_entries(connection: Connection, tenant_id: int, starts_from: datetime, starts_before: datetime,
                      now: datetime, *, business_unit: int | None = None, resource: int | None = None,
                      limit: int = 5000) -> list[TimetableEntry]:
    """The published classes starting in [starts_from, starts_before), of one venue or one resource
    (instructor, room) when given, at most `limit`, soonest first."""
    query = (
        select(m.Slot.id, m.Offering.name, m.Offering.description, m.Slot.starts_at, m.Slot.ends_at, m.Slot.cancelled,
               m.BusinessUnit.name, m.Offering.updated_at, _resources_of_slot())
        .join(m.Offering, m.Offering.id == m.Slot.offering_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Slot.tenant_id == tenant_id, m.Slot.starts_at >= starts_from, m.Slot.starts_at < starts_before,
               m.Slot.deleted.is_(False), m.Offering.deleted.is_(False), m.Offering.disabled.is_(False), _published())
        .order_by(m.Slot.starts_at, m.Slot.id)
        .limit(limit)
    )
    if business_unit is not None:
        query = query.where(m.Slot.business_unit_id == business_unit)
    if resource is not None:
        query = query.where(exists(select(m.SlotResource.slot_id).where(
            m.SlotResource.slot_id == m.Slot.id, m.SlotResource.resource_id == resource)))
    return [TimetableEntry(v[0], v[1], v[2] or "", v[3], v[4], bool(v[5]), v[6] or "", v[7], triples(v[8]))
            for v in connection.execute(query, {"now": now})]


# ---------------------------------------------------------------- logins




def password_hash_of(session: Session, tenant_id: int, person_id: int) -> str | None:
    return session.scalar(select(m.Person.password_hash).where(m.Person.tenant_id == tenant_id,
                                                               m.Person.id == person_id))


def person_language(session: Session, tenant_id: int, person_id: int) -> str | None:
    return session.scalar(select(m.Person.language).where(m.Person.tenant_id == tenant_id, m.Person.id == person_id))


def person_name(session: Session, tenant_id: int, person_id: int) -> str:
    row = session.execute(select(m.Person.first_name, m.Person.last_name).where(
        m.Person.tenant_id == tenant_id, m.Person.id == person_id)).first()
    return "" if row is None else f"{row[0]} {row[1]}".strip()
