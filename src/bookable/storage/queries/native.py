"""Read-side SQL of the native API: filtered, paginated lists and the bulk loads that render them.

Every function is scoped to one tenant. Pages are keyset ("cursor") or offset based: `Page.after`
holds the sort key of the last row already seen, and rows strictly after it are returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Row, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from bookable.domain.booking import BookingStatus
from bookable.storage import models as m
from bookable.storage.prepared import Prepared

MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    limit: int = 100
    offset: int = 0
    after: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class CatalogueFilter:
    """Where an offering sits: every list given narrows the result (ids are OR-ed within a list)."""

    business_unit_ids: tuple[int, ...] = ()
    product_ids: tuple[int, ...] = ()
    label_ids: tuple[int, ...] = ()
    resource_ids: tuple[int, ...] = ()
    offering_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SlotFilter(CatalogueFilter):
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    cancelled: bool | None = None


@dataclass(frozen=True)
class BookingFilter(CatalogueFilter):
    from_date: date | None = None
    to_date: date | None = None
    statuses: tuple[str, ...] = ()
    person_ids: tuple[int, ...] = ()
    slot_ids: tuple[int, ...] = ()
    registration_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class OfferingFilter(CatalogueFilter):
    from_date: date | None = None
    to_date: date | None = None
    kinds: tuple[str, ...] = ()
    disabled: bool | None = None


def _offering_conditions(f: CatalogueFilter, offering_id: Any) -> list[ColumnElement[bool]]:
    """Conditions on an offering id column (m.Offering.id, m.Slot.offering_id, m.Booking.offering_id)."""
    conditions: list[ColumnElement[bool]] = []
    if f.offering_ids:
        conditions.append(offering_id.in_(f.offering_ids))
    placed = []
    if f.business_unit_ids:
        placed.append(m.Offering.business_unit_id.in_(f.business_unit_ids))
    if f.product_ids:
        placed.append(m.Offering.product_id.in_(f.product_ids))
    if f.label_ids:
        placed.append(m.Offering.product_id.in_(
            select(m.ProductLabelLink.product_id).where(m.ProductLabelLink.label_id.in_(f.label_ids))))
    if placed:
        conditions.append(offering_id.in_(select(m.Offering.id).where(*placed)))
    return conditions


def _keyset(columns: Sequence[Any], after: tuple[Any, ...]) -> ColumnElement[bool]:
    """(c1, c2, ...) > (v1, v2, ...), spelt out so that column types apply to the bound values."""
    first, *rest = columns
    value, *more = after
    if not rest:
        return cast(ColumnElement[bool], first > value)
    return or_(first > value, and_(first == value, _keyset(rest, tuple(more))))


def _paged(session: Session, query: Any, order: Sequence[Any], page: Page, *, rows: bool = False) -> list[Any]:
    """ORM objects (the query's first entity), or Core rows when `rows`."""
    if page.after is not None:
        query = query.where(_keyset(order, page.after))
    elif page.offset:
        query = query.offset(page.offset)
    query = query.order_by(*order).limit(page.limit + 1)
    return list(session.execute(query).all() if rows else session.scalars(query))


_slots = m.Slot.__table__
SLOT_VIEW = select(*(_slots.c[name] for name in (
    "id", "offering_id", "business_unit_id", "local_date", "local_time", "duration", "starts_at", "ends_at",
    "spaces", "online_spaces", "cancelled")))
"""What the native API shows of a slot, as Core rows: loading ORM slots, their offerings and the
resources of both cost many times the SQL of a slot read in Python."""
_ONE_SLOT_VIEW = Prepared(SLOT_VIEW.where(
    _slots.c.id == bindparam("slot_id"), _slots.c.tenant_id == bindparam("tenant_id"), _slots.c.deleted.is_(False)))
_SLOT_VIEWS_OF = Prepared(SLOT_VIEW.where(_slots.c.offering_id == bindparam("offering_id"), _slots.c.deleted.is_(False))
                          .order_by(_slots.c.starts_at, _slots.c.id))


def slot_view(connection: Connection, tenant_id: int, slot_id: int) -> Any | None:
    return _ONE_SLOT_VIEW.first(connection, {"slot_id": slot_id, "tenant_id": tenant_id})


def slot_views_of(connection: Connection, offering_id: int) -> list[Any]:
    """An offering's slots in start order (the offering itself is the caller's, so the tenant's)."""
    return _SLOT_VIEWS_OF.all(connection, {"offering_id": offering_id})


def slot_page(session: Session, tenant_id: int, f: SlotFilter, page: Page) -> list[Row[Any]]:
    """Slots by start time; one row more than the limit, so the caller knows a next page exists."""
    query = SLOT_VIEW.where(m.Slot.tenant_id == tenant_id, m.Slot.deleted.is_(False),
                            *_offering_conditions(f, m.Slot.offering_id))
    if f.starts_from is not None:
        query = query.where(m.Slot.starts_at >= f.starts_from)
    if f.starts_before is not None:
        query = query.where(m.Slot.starts_at < f.starts_before)
    if f.cancelled is not None:
        query = query.where(m.Slot.cancelled.is_(f.cancelled))
    if f.resource_ids:
        query = query.where(exists().where(m.SlotResource.slot_id == m.Slot.id,
                                           m.SlotResource.resource_id.in_(f.resource_ids)))
    return _paged(session, query, (m.Slot.starts_at, m.Slot.id), page, rows=True)


def offering_page(session: Session, tenant_id: int, f: OfferingFilter, page: Page) -> list[m.Offering]:
    query = select(m.Offering).where(m.Offering.tenant_id == tenant_id, m.Offering.deleted.is_(False),
                                     *_offering_conditions(f, m.Offering.id))
    if f.kinds:
        query = query.where(m.Offering.kind.in_(f.kinds))
    if f.disabled is not None:
        query = query.where(m.Offering.disabled.is_(f.disabled))
    if f.resource_ids:
        query = query.where(exists().where(m.OfferingResource.offering_id == m.Offering.id,
                                           m.OfferingResource.resource_id.in_(f.resource_ids)))
    if f.from_date is not None or f.to_date is not None:
        query = query.where(exists().where(*_slot_on_dates(m.Offering.id, f.from_date, f.to_date)))
    return _paged(session, query, (m.Offering.id,), page)


def _slot_on_dates(offering_id: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    conditions = [m.Slot.offering_id == offering_id, m.Slot.deleted.is_(False)]
    if first is not None:
        conditions.append(m.Slot.local_date >= first)
    if last is not None:
        conditions.append(m.Slot.local_date <= last)
    return conditions


def booking_page(session: Session, tenant_id: int, f: BookingFilter, page: Page) -> list[m.Booking]:
    """Bookings in creation order. A whole-course booking is on a date when one of its slots is."""
    query = select(m.Booking).where(m.Booking.tenant_id == tenant_id, *_offering_conditions(f, m.Booking.offering_id))
    for values, column in ((f.statuses, m.Booking.status), (f.person_ids, m.Booking.person_id),
                           (f.slot_ids, m.Booking.slot_id), (f.registration_ids, m.Booking.registration_id)):
        if values:
            query = query.where(column.in_(values))
    if f.resource_ids:
        on_slot = select(m.SlotResource.slot_id).where(m.SlotResource.resource_id.in_(f.resource_ids))
        on_offering = select(m.OfferingResource.offering_id).where(m.OfferingResource.resource_id.in_(f.resource_ids))
        query = query.where(or_(m.Booking.slot_id.in_(on_slot),
                                and_(m.Booking.slot_id.is_(None), m.Booking.offering_id.in_(on_offering))))
    if f.from_date is not None or f.to_date is not None:
        own_slot = exists().where(m.Slot.id == m.Booking.slot_id, *_slot_on_dates(m.Slot.offering_id, f.from_date,
                                                                                   f.to_date))
        course = and_(m.Booking.slot_id.is_(None),
                      exists().where(*_slot_on_dates(m.Booking.offering_id, f.from_date, f.to_date)))
        query = query.where(or_(own_slot, course))
    return _paged(session, query, (m.Booking.id,), page)


@dataclass(frozen=True)
class ProductFilter:
    business_unit_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()
    label_ids: tuple[int, ...] = ()
    product_type: str | None = None
    bookable_from_internet: bool | None = None


def product_page(session: Session, tenant_id: int, f: ProductFilter, page: Page) -> list[m.Product]:
    query = select(m.Product).where(m.Product.tenant_id == tenant_id)
    if f.business_unit_ids:
        query = query.where(m.Product.business_unit_id.in_(f.business_unit_ids))
    if f.group_ids:
        query = query.where(m.Product.group_id.in_(f.group_ids))
    if f.label_ids:
        query = query.where(m.Product.labels.any(m.ProductLabel.id.in_(f.label_ids)))
    if f.product_type is not None:
        query = query.where(m.Product.product_type == f.product_type)
    if f.bookable_from_internet is not None:
        query = query.where(m.Product.bookable_from_internet.is_(f.bookable_from_internet))
    return _paged(session, query, (m.Product.id,), page)


def row_page(session: Session, tenant_id: int, model: type[Any], page: Page,
             matching: Mapping[str, Any] | None = None) -> list[Any]:
    """Any tenant table with an integer id, in id order (business units, products, persons ...).
    `matching`: column name -> the value it must have, or a list of values it may have (an empty
    list or None matches everything)."""
    query = select(model).where(model.tenant_id == tenant_id)
    for name, wanted in (matching or {}).items():
        column = getattr(model, name)
        if isinstance(wanted, list | tuple):
            if wanted:
                query = query.where(column.in_(wanted))
        elif wanted is not None:
            query = query.where(column == wanted)
    return _paged(session, query, (model.id,), page)


# Bulk loads for rendering a page without one query per row.

_offerings = m.Offering.__table__
_OFFERING_NAMES = select(_offerings.c.id, _offerings.c.name, _offerings.c.kind).where(
    _offerings.c.tenant_id == bindparam("tenant_id"), _offerings.c.id.in_(bindparam("ids", expanding=True)))


def offering_names(connection: Connection, tenant_id: int, ids: Sequence[int]) -> dict[int, Any]:
    """Name and kind of each offering (what a slot shows of its offering)."""
    if not ids:
        return {}
    rows = connection.execute(_OFFERING_NAMES, {"tenant_id": tenant_id, "ids": sorted(set(ids))})
    return {row.id: row for row in rows}


_slot_resources = m.SlotResource.__table__
_SLOT_RESOURCES = (select(_slot_resources.c.slot_id, _slot_resources.c.resource_id)
                   .where(_slot_resources.c.slot_id.in_(bindparam("ids", expanding=True)))
                   .order_by(_slot_resources.c.slot_id, _slot_resources.c.resource_id))


def slot_resource_ids(connection: Connection, slot_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each slot's resource ids, in order."""
    found: dict[int, list[int]] = defaultdict(list)
    if slot_ids:
        for slot_id, resource_id in connection.execute(_SLOT_RESOURCES, {"ids": sorted(set(slot_ids))}):
            found[slot_id].append(resource_id)
    return found


_SLOT_SPANS = select(_slots.c.id, _slots.c.starts_at, _slots.c.ends_at).where(
    _slots.c.tenant_id == bindparam("tenant_id"), _slots.c.id.in_(bindparam("ids", expanding=True)))


def slot_spans(connection: Connection, tenant_id: int, ids: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
    """Start and end of each slot (Core: this renders every booking the native API returns)."""
    if not ids:
        return {}
    rows = connection.execute(_SLOT_SPANS, {"tenant_id": tenant_id, "ids": sorted(set(ids))})
    return {row.id: (row.starts_at, row.ends_at) for row in rows}


def course_spans(session: Session, offering_ids: Sequence[int]) -> dict[int, tuple[datetime, datetime]]:
    """First start and last end of each offering's live slots (what a whole-course booking covers)."""
    if not offering_ids:
        return {}
    query = (select(m.Slot.offering_id, func.min(m.Slot.starts_at), func.max(m.Slot.ends_at))
             .where(m.Slot.offering_id.in_(set(offering_ids)), m.Slot.deleted.is_(False))
             .group_by(m.Slot.offering_id))
    return {row[0]: (_aware(row[1]), _aware(row[2])) for row in session.execute(query)}


def _aware(value: Any) -> datetime:
    """Aggregates bypass the column type, so SQLite hands back text or naive values: make them UTC."""
    return m.UtcDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None)  # type: ignore[return-value]


_attendance = m.Attendance.__table__
_ATTENDANCE = (select(_attendance).where(_attendance.c.booking_id.in_(bindparam("ids", expanding=True)))
               .order_by(_attendance.c.slot_id))


def attendance_of(connection: Connection, booking_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Attendance rows (booking_id, slot_id, attended, volunteering) of each booking."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    if booking_ids:
        for row in connection.execute(_ATTENDANCE, {"ids": sorted(set(booking_ids))}):
            grouped[row.booking_id].append(row)
    return grouped


def waiting_positions(session: Session, bookings: Sequence[Any]) -> dict[int, int]:
    """1-based place in the FIFO queue of each waitlisted booking."""
    positions: dict[int, int] = {}
    for booking in bookings:
        if booking.status != BookingStatus.WAITLISTED or booking.queue_number is None:
            continue
        target = (m.Booking.slot_id == booking.slot_id if booking.slot_id is not None
                  else and_(m.Booking.offering_id == booking.offering_id, m.Booking.slot_id.is_(None)))
        query = select(func.count()).where(target, m.Booking.status == BookingStatus.WAITLISTED,
                                           m.Booking.queue_number <= booking.queue_number)
        positions[booking.id] = int(session.scalar(query) or 0)
    return positions


def label_ids_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    if product_ids:
        query = select(m.ProductLabelLink.product_id, m.ProductLabelLink.label_id).where(
            m.ProductLabelLink.product_id.in_(set(product_ids))).order_by(m.ProductLabelLink.label_id)
        for product_id, label_id in session.execute(query):
            grouped[product_id].append(label_id)
    return grouped


# What still refers to a catalogue row (a row in use is never deleted).

@dataclass(frozen=True)
class Usage:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.counts.items() if count)


def _count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def business_unit_usage(session: Session, unit_id: int) -> Usage:
    return Usage({
        "offering(s)": _count(session, select(m.Offering.id).where(m.Offering.business_unit_id == unit_id)),
        "slot(s)": _count(session, select(m.Slot.id).where(m.Slot.business_unit_id == unit_id)),
        "product(s)": _count(session, select(m.Product.id).where(m.Product.business_unit_id == unit_id)),
        "resource(s)": _count(session, select(m.Resource.id).where(m.Resource.business_unit_id == unit_id)),
    })


def resource_usage(session: Session, resource_id: int) -> Usage:
    live_offerings = select(m.OfferingResource.offering_id).join(
        m.Offering, m.Offering.id == m.OfferingResource.offering_id).where(
        m.OfferingResource.resource_id == resource_id, m.Offering.deleted.is_(False))
    live_slots = select(m.SlotResource.slot_id).join(m.Slot, m.Slot.id == m.SlotResource.slot_id).where(
        m.SlotResource.resource_id == resource_id, m.Slot.deleted.is_(False))
    return Usage({"offering(s)": _count(session, live_offerings), "slot(s)": _count(session, live_slots)})


def product_group_usage(session: Session, group_id: int) -> Usage:
    return Usage({
        "product(s)": _count(session, select(m.Product.id).where(m.Product.group_id == group_id)),
        "child group(s)": _count(session, select(m.ProductGroup.id).where(m.ProductGroup.parent_id == group_id)),
    })


def product_usage(session: Session, product_id: int) -> Usage:
    return Usage({"offering(s)": _count(session, select(m.Offering.id).where(m.Offering.product_id == product_id))})


def person_usage(session: Session, person_id: int) -> Usage:
    return Usage({
        "booking(s)": _count(session, select(m.Booking.id).where(m.Booking.person_id == person_id)),
        "registration(s)": _count(session, select(m.Registration.id).where(m.Registration.person_id == person_id)),
    })


def registration_usage(session: Session, registration_id: int) -> Usage:
    return Usage({"booking(s)": _count(session, select(m.Booking.id).where(
        m.Booking.registration_id == registration_id))})


def person_with_login(session: Session, tenant_id: int, column: str, value: str, *,
                      except_id: int | None = None) -> int | None:
    """The id of another person of the tenant whose email (in any case) / card / customer number is
    `value`: members log in with these, emails in any case."""
    attribute = getattr(m.Person, column)
    same = func.lower(attribute) == value.lower() if column == "email" else attribute == value
    query = select(m.Person.id).where(m.Person.tenant_id == tenant_id, same)
    if except_id is not None:
        query = query.where(m.Person.id != except_id)
    return session.scalar(query.limit(1))


def group_parent(session: Session, group_id: int) -> int | None:
    return session.scalar(select(m.ProductGroup.parent_id).where(m.ProductGroup.id == group_id))
