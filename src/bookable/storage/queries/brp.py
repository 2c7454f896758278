"""Reads for the BRP dialect. Each list page is one SELECT: counts, the member's own booking, product
labels and resources come from correlated subqueries, so the page never costs a query per row.

What BRP calls an *event* (arrangemang) is an offering booked whole: a course, or a one-off event
whose product has product type `event`. Every other offering's slots are *activities* (pass).
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from bookable.domain.booking import ACTIVE, HOLDING
from bookable.domain.errors import NotFound
from bookable.storage import models as m
from bookable.storage.booking_store import SlotView
from bookable.storage.prepared import Prepared, constant, one_of

EVENT_PRODUCT_TYPE = "event"


class json_pairs(FunctionElement[str]):  # noqa: N801 - reads as the SQL function it stands for
    """Aggregate (id, name) rows into a JSON array text: the one portability branch of these reads."""

    type = String()
    inherit_cache = True
    name = "json_pairs"


@compiles(json_pairs, "sqlite")
def _json_pairs_sqlite(element: json_pairs, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_pairs, "postgresql")
def _json_pairs_postgresql(element: json_pairs, compiler: Any, **kw: Any) -> str:
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


def pairs(text: str | None) -> tuple[tuple[int, str], ...]:
    """Decoded json_pairs, ordered by id."""
    if not text:
        return ()
    return tuple(sorted((int(row[0]), str(row[1])) for row in orjson.loads(text) if row[0] is not None))


def is_brp_event(offering: Any = m.Offering, product: Any = m.Product) -> ColumnElement[bool]:
    booked_whole_event = and_(offering.kind == constant("event"),
                              func.coalesce(product.product_type, constant("")) == constant(EVENT_PRODUCT_TYPE))
    return or_(offering.kind == constant("course"), booked_whole_event)


def _visible(offering: Any = m.Offering) -> ColumnElement[bool]:
    return and_(offering.deleted.is_(False), offering.disabled.is_(False))


# ---------------------------------------------------------------- products

@dataclass(frozen=True)
class ProductRow:
    id: int
    name: str
    description: str
    bookable_from_internet: bool
    css_class: str
    product_type: str
    group_id: int | None
    group_name: str | None
    labels: tuple[tuple[int, str], ...]


def _label_pairs() -> Any:
    return (
        select(json_pairs(m.ProductLabel.id, m.ProductLabel.name))
        .join(m.ProductLabelLink, m.ProductLabelLink.label_id == m.ProductLabel.id)
        .where(m.ProductLabelLink.product_id == m.Product.id)
        .scalar_subquery()
    )


def _product_columns(group_id: Any = m.ProductGroup.id, group_name: Any = m.ProductGroup.name) -> list[Any]:
    """A product's block, its columns labelled `product_*` (read back by _product_of); its group's
    from the joined group unless given."""
    return [m.Product.id.label("product_id"), m.Product.name.label("product_name"),
            m.Product.description.label("product_description"),
            m.Product.bookable_from_internet.label("product_bookable_from_internet"),
            m.Product.css_class.label("product_css_class"), m.Product.product_type.label("product_type"),
            group_id.label("product_group_id"), group_name.label("product_group_name"),
            _label_pairs().label("product_labels")]


def _product_of(row: Any) -> ProductRow | None:
    if row.product_id is None:
        return None
    return ProductRow(row.product_id, row.product_name, row.product_description or "",
                      bool(row.product_bookable_from_internet), row.product_css_class or "", row.product_type or "",
                      row.product_group_id, row.product_group_name, pairs(row.product_labels))


def products(
    session: Session, tenant_id: int, *, business_unit: int | None, product_type: str | None, internet_only: bool
) -> list[ProductRow]:
    query = (
        select(*_product_columns())
        .outerjoin(m.ProductGroup, m.ProductGroup.id == m.Product.group_id)
        .where(m.Product.tenant_id == tenant_id)
        .order_by(m.Product.name, m.Product.id)
    )
    if business_unit is not None:
        query = query.where(or_(m.Product.business_unit_id == business_unit, m.Product.business_unit_id.is_(None)))
    if product_type is not None:
        query = query.where(m.Product.product_type == product_type)
    if internet_only:
        query = query.where(m.Product.bookable_from_internet.is_(True))
    return [product for product in (_product_of(row) for row in session.execute(query)) if product is not None]


def product_groups(session: Session, tenant_id: int, *, parent_id: int | None = None,
                   children_only: bool = False) -> list[tuple[int, str]]:
    query = select(m.ProductGroup.id, m.ProductGroup.name).where(m.ProductGroup.tenant_id == tenant_id)
    if children_only:
        query = query.where(m.ProductGroup.parent_id == parent_id)
    return [(row.id, row.name) for row in session.execute(query.order_by(m.ProductGroup.name, m.ProductGroup.id))]


def grouping_group_id(session: Session, tenant_id: int, business_unit: int | None) -> int | None:
    """The product group configured for grouping activities: the business unit's, else the tenant's."""
    if business_unit is None:
        return session.scalar(select(m.Tenant.grouping_product_group_id).where(m.Tenant.id == tenant_id))
    return session.scalar(select(m.BusinessUnit.grouping_product_group_id).where(
        m.BusinessUnit.id == business_unit, m.BusinessUnit.tenant_id == tenant_id))


def business_unit_exists(session: Session, tenant_id: int, business_unit: int) -> bool:
    query = select(m.BusinessUnit.id).where(m.BusinessUnit.id == business_unit, m.BusinessUnit.tenant_id == tenant_id)
    return session.scalar(query) is not None


# ---------------------------------------------------------------- activities

@dataclass(frozen=True)
class ActivityFilter:
    starts_from: datetime
    starts_before: datetime
    products: tuple[int, ...] | None = None
    business_units: tuple[int, ...] | None = None
    labels: tuple[int, ...] | None = None
    group: int | None = None
    internet_only: bool = True
    person_id: int | None = None
    limit: int | None = None


@dataclass(frozen=True)
class ActivityRow:
    id: int
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool
    held: int
    waiting: int
    max_advance: int | None
    cutoff_minutes: int
    business_unit: tuple[int, str] | None
    resources: tuple[tuple[int, str], ...]
    product: ProductRow | None
    booking_id: int | None
    booking_status: str | None


def _resource_pairs() -> Any:
    return (
        select(json_pairs(m.Resource.id, m.Resource.name))
        .join(m.SlotResource, m.SlotResource.resource_id == m.Resource.id)
        .where(m.SlotResource.slot_id == m.Slot.id)
        .scalar_subquery()
    )


def _own_booking_on_slot(column: Any) -> Any:
    return (
        select(column)
        .where(m.Booking.slot_id == m.Slot.id, m.Booking.person_id == bindparam("person_id"),
               m.Booking.status.in_(ACTIVE))
        .order_by(m.Booking.id)
        .limit(1)
        .scalar_subquery()
    )


def bookable_online() -> ColumnElement[bool]:
    """domain.booking.bookable_online() in SQL, for lists (the query joins the offering's product):
    members book from the internet only what the offering and its product, if any, both allow."""
    return and_(m.Offering.bookable_from_internet.is_(True),
                or_(m.Product.id.is_(None), m.Product.bookable_from_internet.is_(True)))


@functools.cache
def _activities_select(with_booking: bool) -> Select[Any]:
    """Built once per shape (the member's own booking or not): building it cost more than running it."""
    columns = [
        m.Slot.id, m.Slot.starts_at, m.Slot.ends_at, m.Slot.spaces, m.Slot.online_spaces, m.Slot.cancelled,
        (m.Slot.held_confirmed + m.Slot.held_reserved).label("held"), m.Slot.waiting_places.label("waiting"),
        m.Offering.max_advance, m.Offering.booking_cutoff_minutes,
        m.BusinessUnit.id.label("business_unit_id"), m.BusinessUnit.name.label("business_unit_name"),
        _resource_pairs().label("resources"), *_product_columns(),
    ]
    if with_booking:
        columns += [_own_booking_on_slot(m.Booking.id).label("booking_id"),
                    _own_booking_on_slot(m.Booking.status).label("booking_status")]
    return (
        select(*columns)
        .join(m.Offering, m.Offering.id == m.Slot.offering_id)
        .outerjoin(m.Product, m.Product.id == m.Offering.product_id)
        .outerjoin(m.ProductGroup, m.ProductGroup.id == m.Product.group_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Slot.deleted.is_(False), _visible(), ~is_brp_event())
    )


def activity_of(row: Any, with_booking: bool) -> ActivityRow:
    return ActivityRow(
        id=row.id, starts_at=row.starts_at, ends_at=row.ends_at, spaces=row.spaces, online_spaces=row.online_spaces,
        cancelled=bool(row.cancelled), held=int(row.held), waiting=int(row.waiting), max_advance=row.max_advance,
        cutoff_minutes=row.booking_cutoff_minutes or 0, business_unit=_business_unit(row),
        resources=pairs(row.resources), product=_product_of(row),
        booking_id=row.booking_id if with_booking else None,
        booking_status=row.booking_status if with_booking else None,
    )


def _business_unit(row: Any) -> tuple[int, str] | None:
    return (row.business_unit_id, row.business_unit_name) if row.business_unit_id is not None else None


def activity_values(session: Session, tenant_id: int, wanted: ActivityFilter) -> list[Any]:
    """The activities' rows, ordered by start (activity_of() reads one): hashable, so a caller may
    remember what it made of a row by the row itself."""
    params: dict[str, Any] = {"tenant_id": tenant_id, "starts_from": wanted.starts_from,
                              "starts_before": wanted.starts_before, "person_id": wanted.person_id,
                              "products": wanted.products, "business_units": wanted.business_units,
                              "labels": wanted.labels, "group": wanted.group, "limit": wanted.limit}
    filters = tuple(params[name] is not None for name in _OPTIONAL_FILTERS)
    query = _activities_query(wanted.person_id is not None, filters, wanted.internet_only)
    present = {name: value for name, value in params.items() if value is not None}
    return list(session.connection().execute(query, present))


_OPTIONAL_FILTERS = ("products", "business_units", "labels", "group", "limit")


@functools.cache
def _activities_query(with_booking: bool, filters: tuple[bool, ...], internet_only: bool) -> Select[Any]:
    """Built once per shape (which filters are present), with every value a bound parameter."""
    products, business_units, labels, group, limited = filters
    query = _activities_select(with_booking).where(
        m.Slot.tenant_id == bindparam("tenant_id"),
        m.Slot.starts_at >= bindparam("starts_from"),
        m.Slot.starts_at < bindparam("starts_before"),
    )
    if products:
        query = query.where(m.Offering.product_id.in_(bindparam("products", expanding=True)))
    if business_units:
        query = query.where(m.Slot.business_unit_id.in_(bindparam("business_units", expanding=True)))
    if labels:
        labelled = select(m.ProductLabelLink.product_id).where(
            m.ProductLabelLink.product_id == m.Offering.product_id,
            m.ProductLabelLink.label_id.in_(bindparam("labels", expanding=True)))
        query = query.where(exists(labelled))
    if group:
        query = query.where(m.Product.group_id == bindparam("group"))
    if internet_only:
        query = query.where(bookable_online())
    query = query.order_by(m.Slot.starts_at, m.Slot.id)
    return query.limit(bindparam("limit")) if limited else query


@dataclass(frozen=True)
class ActivityHeader:
    """What a booking's answer shows of its activity besides the times."""

    business_unit: tuple[int, str] | None
    product: ProductRow | None


def _activity_shown() -> tuple[ColumnElement[Any], ...]:
    """An activity's header as the booking's own read of its slot sees it (it joins the slot, its
    offering and its product): the rest as subqueries correlated with them."""
    business_unit_name = select(m.BusinessUnit.name).where(m.BusinessUnit.id == m.Slot.business_unit_id)
    group_name = select(m.ProductGroup.name).where(m.ProductGroup.id == m.Product.group_id)
    return (m.Slot.business_unit_id.label("business_unit_id"),
            business_unit_name.scalar_subquery().label("business_unit_name"),
            *_product_columns(m.Product.group_id, group_name.scalar_subquery()))


BOOKED_ACTIVITY = SlotView(offers=~is_brp_event(), shows=_activity_shown())
"""What a BRP booking books (an activity: any other slot is not found, before any booking rule)
and the header its answer shows, read with the slot by the booking itself (services.bookings.book)."""
ActivityHeaderRow = namedtuple("ActivityHeaderRow", [column.key for column in BOOKED_ACTIVITY.shows])  # type: ignore[misc]


def activity_header_row(shown: Sequence[Any]) -> Any:
    """The header's row (header_of() reads it) from what the booking read of its activity; it
    holds everything the header shows, so a caller may remember what it makes of it by the row."""
    return ActivityHeaderRow._make(shown)


def header_of(row: Any) -> ActivityHeader:
    return ActivityHeader(_business_unit(row), _product_of(row))


# ---------------------------------------------------------------- the member's bookings

@dataclass(frozen=True)
class BookingRow:
    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    business_unit: tuple[int, str] | None
    product: ProductRow | None


def member_bookings(
    session: Session, tenant_id: int, person_id: int, *, statuses: Sequence[str],
    starts_from: datetime | None = None, starts_before: datetime | None = None,
) -> list[BookingRow]:
    """The person's activity bookings: one query, product block and business unit included."""
    query = _member_bookings(tuple(statuses), starts_from is not None, starts_before is not None)
    params = {"tenant_id": tenant_id, "person_id": person_id, "starts_from": starts_from,
              "starts_before": starts_before}
    present = {name: value for name, value in params.items() if value is not None}
    return [BookingRow(row.id, row.status, row.starts_at, row.ends_at, _business_unit(row), _product_of(row))
            for row in query.all(session.connection(), present)]


@functools.cache
def _member_bookings(statuses: tuple[str, ...], from_start: bool, before_start: bool) -> Prepared:
    """Built and compiled once per combination of filters: that cost more than running it."""
    query = (
        select(m.Booking.id, m.Booking.status, m.Slot.starts_at, m.Slot.ends_at,
               m.BusinessUnit.id.label("business_unit_id"), m.BusinessUnit.name.label("business_unit_name"),
               *_product_columns())
        .join(m.Slot, m.Slot.id == m.Booking.slot_id)
        .join(m.Offering, m.Offering.id == m.Booking.offering_id)
        .outerjoin(m.Product, m.Product.id == m.Offering.product_id)
        .outerjoin(m.ProductGroup, m.ProductGroup.id == m.Product.group_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Slot.business_unit_id)
        .where(m.Booking.tenant_id == bindparam("tenant_id"), m.Booking.person_id == bindparam("person_id"),
               one_of(m.Booking.status, statuses), ~is_brp_event())
        .order_by(m.Slot.starts_at, m.Booking.id)
    )
    if from_start:
        query = query.where(m.Slot.starts_at >= bindparam("starts_from", type_=m.UtcDateTime()))
    if before_start:
        query = query.where(m.Slot.starts_at < bindparam("starts_before", type_=m.UtcDateTime()))
    return Prepared(query)


# ---------------------------------------------------------------- events

@dataclass(frozen=True)
class EventFilter:
    ids: tuple[int, ...] | None = None
    business_units: tuple[int, ...] | None = None
    label: int | None = None
    internet_only: bool = True
    resource: int | None = None
    ongoing_on: date | None = None
    starts_on_or_after: date | None = None
    ends_on_or_before: date | None = None
    publish_starts_from: datetime | None = None
    publish_ends_before: datetime | None = None
    not_ended_on: date | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    name: str
    code: str
    description: str
    event_message: str
    updated_at: datetime
    publish_start: datetime | None
    publish_end: datetime | None
    max_advance: int | None
    cutoff_minutes: int
    product_id: int | None
    product_description: str | None
    business_unit: tuple[int, str] | None
    occasions: int
    first_start: datetime | None
    last_end: datetime | None
    bookable: int
    filled: int
    registered: bool


def _slot_summary() -> Any:
    bookable_online = case(
        (and_(m.Slot.online_spaces.is_not(None), m.Slot.online_spaces < m.Slot.spaces), m.Slot.online_spaces),
        else_=m.Slot.spaces,
    )
    return (
        select(
            m.Slot.offering_id.label("offering_id"),
            func.count(m.Slot.id).label("occasions"),
            func.min(m.Slot.starts_at).label("first_start"),
            func.max(m.Slot.ends_at).label("last_end"),
            func.min(m.Slot.local_date).label("first_date"),
            func.max(m.Slot.local_date).label("last_date"),
            func.min(bookable_online).label("bookable"),
        )
        .where(m.Slot.deleted.is_(False))
        .group_by(m.Slot.offering_id)
        .subquery("slot_summary")
    )


def _held_on_offering() -> Any:
    """The places held on an event: its slots' counters (storage.slot_counters), and its
    whole-offering bookings, if any."""
    on_slots = (select(func.coalesce(func.sum(m.Slot.held_confirmed + m.Slot.held_reserved), 0))
                .where(m.Slot.offering_id == m.Offering.id).scalar_subquery())
    whole = (select(func.coalesce(func.sum(m.Booking.places), 0))
             .where(m.Booking.offering_id == m.Offering.id, m.Booking.slot_id.is_(None),
                    m.Booking.status.in_(HOLDING)).scalar_subquery())
    return on_slots + whole


def _registered(person_id: int | None) -> Any:
    if person_id is None:
        return false()
    booked = select(m.Booking.id).where(
        m.Booking.offering_id == m.Offering.id, m.Booking.person_id == person_id, m.Booking.status.in_(HOLDING))
    return exists(booked)


def _event_conditions(wanted: EventFilter, summary: Any) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.ids is not None:
        conditions.append(m.Offering.id.in_(wanted.ids))
    if wanted.business_units is not None:
        conditions.append(m.Offering.business_unit_id.in_(wanted.business_units))
    if wanted.label is not None:
        conditions.append(exists(select(m.ProductLabelLink.product_id).where(
            m.ProductLabelLink.product_id == m.Offering.product_id, m.ProductLabelLink.label_id == wanted.label)))
    if wanted.internet_only:
        conditions.append(bookable_online())
    if wanted.resource is not None:
        conditions.append(_uses_resource(wanted.resource))
    if wanted.ongoing_on is not None:
        conditions += [summary.c.first_date <= wanted.ongoing_on, summary.c.last_date >= wanted.ongoing_on]
    if wanted.starts_on_or_after is not None:
        conditions.append(summary.c.first_date >= wanted.starts_on_or_after)
    if wanted.ends_on_or_before is not None:
        conditions.append(summary.c.last_date <= wanted.ends_on_or_before)
    if wanted.publish_starts_from is not None:
        conditions.append(m.Offering.publish_start >= wanted.publish_starts_from)
    if wanted.publish_ends_before is not None:
        conditions.append(m.Offering.publish_end < wanted.publish_ends_before)
    if wanted.not_ended_on is not None:
        conditions.append(summary.c.last_date >= wanted.not_ended_on)
    return conditions


def _uses_resource(resource_id: int) -> ColumnElement[bool]:
    on_offering = select(m.OfferingResource.offering_id).where(
        m.OfferingResource.offering_id == m.Offering.id, m.OfferingResource.resource_id == resource_id)
    slot = aliased(m.Slot)
    on_slot = (
        select(slot.id)
        .join(m.SlotResource, m.SlotResource.slot_id == slot.id)
        .where(slot.offering_id == m.Offering.id, slot.deleted.is_(False), m.SlotResource.resource_id == resource_id)
    )
    return or_(exists(on_offering), exists(on_slot))


def events(session: Session, tenant_id: int, wanted: EventFilter) -> list[EventRow]:
    summary = _slot_summary()
    query = (
        select(
            m.Offering.id, m.Offering.name, m.Offering.code, m.Offering.description, m.Offering.event_message,
            m.Offering.updated_at, m.Offering.publish_start, m.Offering.publish_end, m.Offering.max_advance,
            m.Offering.booking_cutoff_minutes, m.Product.id.label("product_id"),
            m.Product.description.label("product_description"), m.BusinessUnit.id.label("business_unit_id"),
            m.BusinessUnit.name.label("business_unit_name"), summary.c.occasions, summary.c.first_start,
            summary.c.last_end, summary.c.bookable, _held_on_offering().label("filled"),
            _registered(wanted.person_id).label("registered"),
        )
        .outerjoin(m.Product, m.Product.id == m.Offering.product_id)
        .outerjoin(m.BusinessUnit, m.BusinessUnit.id == m.Offering.business_unit_id)
        .join(summary, summary.c.offering_id == m.Offering.id)
        .where(m.Offering.tenant_id == tenant_id, _visible(), is_brp_event(),
               *_event_conditions(wanted, summary))
        .order_by(summary.c.first_start, m.Offering.id)
    )
    return [_event_of(row) for row in session.execute(query)]


def _event_of(row: Any) -> EventRow:
    return EventRow(
        id=row.id, name=row.name, code=row.code or "", description=row.description or "",
        event_message=row.event_message or "", updated_at=row.updated_at, publish_start=row.publish_start,
        publish_end=row.publish_end, max_advance=row.max_advance, cutoff_minutes=row.booking_cutoff_minutes or 0,
        product_id=row.product_id, product_description=row.product_description, business_unit=_business_unit(row),
        occasions=int(row.occasions or 0), first_start=_aware(row.first_start), last_end=_aware(row.last_end),
        bookable=int(row.bookable or 0), filled=int(row.filled or 0), registered=bool(row.registered),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """min()/max() over a UTC column lose the column type on SQLite; read them back as UTC instants."""
    if value is None:
        return None
    return m.UtcDateTime().process_result_value(
        datetime.fromisoformat(value) if isinstance(value, str) else value, None)


@dataclass(frozen=True)
class Participant:
    offering_id: int
    person_id: int
    first_name: str
    last_name: str
    booking_id: int


def participants(session: Session, tenant_id: int, offering_ids: Sequence[int]) -> list[Participant]:
    if not offering_ids:
        return []
    query = (
        select(m.Booking.offering_id, m.Person.id.label("person_id"), m.Person.first_name, m.Person.last_name,
               m.Booking.id.label("booking_id"))
        .join(m.Person, m.Person.id == m.Booking.person_id)
        .where(m.Booking.tenant_id == tenant_id, m.Booking.offering_id.in_(offering_ids),
               m.Booking.status.in_(HOLDING))
        .order_by(m.Booking.offering_id, m.Booking.id)
    )
    return [Participant(row.offering_id, row.person_id, row.first_name, row.last_name, row.booking_id)
            for row in session.execute(query)]


def event_product(session: Session, tenant_id: int, offering_id: int) -> ProductRow | None:
    query = (
        select(*_product_columns())
        .select_from(m.Offering)
        .join(m.Product, m.Product.id == m.Offering.product_id)
        .outerjoin(m.ProductGroup, m.ProductGroup.id == m.Product.group_id)
        .where(m.Offering.id == offering_id, m.Offering.tenant_id == tenant_id)
    )
    values = session.execute(query).first()
    return None if values is None else _product_of(values)


def is_event(session: Session, tenant_id: int, offering_id: int) -> bool:
    query = (
        select(m.Offering.id)
        .outerjoin(m.Product, m.Product.id == m.Offering.product_id)
        .where(m.Offering.id == offering_id, m.Offering.tenant_id == tenant_id, m.Offering.deleted.is_(False),
               is_brp_event())
    )
    return session.scalar(query) is not None


def grouping_children(session: Session, tenant_id: int, business_unit: int | None) -> list[tuple[int, str]]:
    """Groups under the grouping product group: the business unit's setting, else the tenant's."""
    parent = None
    if business_unit is not None:
        if not business_unit_exists(session, tenant_id, business_unit):
            raise NotFound(f"Business unit {business_unit} not found.", field="businessunit")
        parent = grouping_group_id(session, tenant_id, business_unit)
    parent = parent or grouping_group_id(session, tenant_id, None)
    if parent is None:
        return []
    return product_groups(session, tenant_id, parent_id=parent, children_only=True)
