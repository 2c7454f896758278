"""Catalogue use cases: business units, resources, product groups and labels, products, persons,
and the upkeep of registrations. One function per use case; each validates with domain errors,
stays inside the actor's tenant, writes an audit entry, and never commits.

A row that something still refers to is never deleted (nothing is lost): deleting it is refused
with `invalid_state` and a message that says what still uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bookable.domain.actors import Actor, utc_now
from bookable.domain.email_address import check_email
from bookable.domain.errors import InvalidState, NotAllowed, NotFound, ValidationError
from bookable.domain.events import DomainEvent, EventType, catalog_event, snapshot
from bookable.services.accounts import hash_password
from bookable.storage import models as m
from bookable.storage.queries import native as q
from bookable.storage.unit_of_work import UnitOfWork

Row = TypeVar("Row", bound=m.Base)

BUSINESS_UNIT_FIELDS = ("name", "grouping_product_group_id")
RESOURCE_FIELDS = ("name", "kind", "business_unit_id")
PRODUCT_GROUP_FIELDS = ("name", "parent_id")
PRODUCT_LABEL_FIELDS = ("name",)
PRODUCT_FIELDS = ("name", "description", "product_type", "bookable_from_internet", "css_class", "group_id",
                  "business_unit_id")
PERSON_FIELDS = ("first_name", "last_name", "email", "street_address", "address2", "town", "county", "postcode",
                 "home_phone", "mobile_phone", "work_phone", "gender", "person_number", "card_number",
                 "customer_number", "contact_type", "language")
REGISTRATION_FIELDS = ("code", "badge_number")
PRODUCT_TYPES = ("groupActivity", "subscription", "package", "article", "service", "event", "stockProduct",
                 "valueCard", "entry")
RESOURCE_KINDS = ("room", "instructor", "equipment", "other")
GENDERS = ("male", "female")
LANGUAGES = ("sv", "en")
"""What a person's emails may be written in (the web pages' languages, web.i18n); None: the tenant's."""
LOGIN_COLUMNS = ("email", "card_number", "customer_number")
MEMBER_FIXED = ("card_number", "customer_number", "contact_type")
TEXT_LIMITS = {"name": 200, "description": 10_000, "css_class": 64, "first_name": 100, "last_name": 100,
               "email": 200, "street_address": 200, "address2": 200, "town": 100, "county": 100, "postcode": 20,
               "home_phone": 40, "mobile_phone": 40, "work_phone": 40, "person_number": 32, "card_number": 64,
               "customer_number": 64, "contact_type": 32, "code": 64}
MIN_PASSWORD = 8


# Shared steps -----------------------------------------------------------------------------------

def _get(uow: UnitOfWork, model: type[Row], row_id: int, label: str) -> Row:
    row = uow.catalog.get(model, row_id)
    if row is None:
        raise NotFound(f"{label} {row_id} not found.", field="id")
    return row


def _require(uow: UnitOfWork, model: type[m.Base], row_id: int | None, field: str, label: str) -> None:
    if row_id is not None and uow.catalog.get(model, row_id) is None:
        raise NotFound(f"{label} {row_id} not found.", field=field)


def _check_text(values: Mapping[str, Any], nullable: tuple[str, ...] = ()) -> None:
    for name, value in values.items():
        if value is None and name not in nullable:
            raise ValidationError(f"{name} must not be null.", field=name)
    for name, limit in TEXT_LIMITS.items():
        value = values.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ValidationError(f"{name} must be text of at most {limit} characters.", field=name)
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationError("name must not be empty.", field="name")


def _check_choice(values: Mapping[str, Any], name: str, allowed: tuple[str, ...], *, nullable: bool = False) -> None:
    if name not in values or (nullable and values[name] is None):
        return
    if values[name] not in allowed:
        raise ValidationError(f"{name} must be one of: {', '.join(allowed)}.", field=name)


def _known_fields(changes: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for name in changes:
        if name not in allowed:
            raise ValidationError(f"Unknown attribute {name}.", field=name)


def _create(uow: UnitOfWork, actor: Actor, row: Row, entity: str, fields: tuple[str, ...]) -> Row:
    uow.catalog.add(row)
    uow.record(actor, DomainEvent(catalog_event(entity, "created"), entity, row.id,  # type: ignore[attr-defined]
                                  after=snapshot(row, fields)))
    return row


def _update(uow: UnitOfWork, actor: Actor, row: Row, entity: str, fields: tuple[str, ...],
            changes: Mapping[str, Any]) -> Row:
    before = snapshot(row, fields)
    for name, value in changes.items():
        setattr(row, name, value)
    uow.session.flush()
    uow.record(actor, DomainEvent(catalog_event(entity, "updated"), entity, row.id, before,  # type: ignore[attr-defined]
                                  snapshot(row, fields)))
    return row


def _delete(uow: UnitOfWork, actor: Actor, row: Row, entity: str, fields: tuple[str, ...],
            usage: Callable[[], q.Usage] | None = None) -> None:
    if usage is not None:
        used = usage()
        if used.total:
            raise InvalidState(f"This {entity.replace('_', ' ')} is still used by {used.describe()}.", field="id")
    uow.record(actor, DomainEvent(catalog_event(entity, "deleted"), entity, row.id,  # type: ignore[attr-defined]
                                  before=snapshot(row, fields)))
    uow.catalog.delete(row)


# Business units ---------------------------------------------------------------------------------

def get_business_unit(uow: UnitOfWork, unit_id: int) -> m.BusinessUnit:
    return _get(uow, m.BusinessUnit, unit_id, "Business unit")


def _check_business_unit(uow: UnitOfWork, values: Mapping[str, Any]) -> None:
    _check_text(values, ("grouping_product_group_id",))
    _require(uow, m.ProductGroup, values.get("grouping_product_group_id"), "grouping_product_group_id",
             "Product group")


def create_business_unit(uow: UnitOfWork, actor: Actor, *, name: str,
                         grouping_product_group_id: int | None = None) -> m.BusinessUnit:
    values = {"name": name, "grouping_product_group_id": grouping_product_group_id}
    _check_business_unit(uow, values)
    return _create(uow, actor, m.BusinessUnit(tenant_id=actor.tenant_id, **values), "business_unit",
                   BUSINESS_UNIT_FIELDS)


def update_business_unit(uow: UnitOfWork, actor: Actor, unit_id: int, changes: Mapping[str, Any]) -> m.BusinessUnit:
    _known_fields(changes, BUSINESS_UNIT_FIELDS)
    row = get_business_unit(uow, unit_id)
    _check_business_unit(uow, changes)
    return _update(uow, actor, row, "business_unit", BUSINESS_UNIT_FIELDS, changes)


def delete_business_unit(uow: UnitOfWork, actor: Actor, unit_id: int) -> None:
    row = get_business_unit(uow, unit_id)
    _delete(uow, actor, row, "business_unit", BUSINESS_UNIT_FIELDS,
            lambda: q.business_unit_usage(uow.session, unit_id))


# Resources (rooms, instructors, equipment) ------------------------------------------------------

def get_resource(uow: UnitOfWork, resource_id: int) -> m.Resource:
    return _get(uow, m.Resource, resource_id, "Resource")


def _check_resource(uow: UnitOfWork, values: Mapping[str, Any]) -> None:
    _check_text(values, ("business_unit_id",))
    _check_choice(values, "kind", RESOURCE_KINDS)
    _require(uow, m.BusinessUnit, values.get("business_unit_id"), "business_unit_id", "Business unit")


def create_resource(uow: UnitOfWork, actor: Actor, *, name: str, kind: str = "room",
                    business_unit_id: int | None = None) -> m.Resource:
    values = {"name": name, "kind": kind, "business_unit_id": business_unit_id}
    _check_resource(uow, values)
    return _create(uow, actor, m.Resource(tenant_id=actor.tenant_id, **values), "resource", RESOURCE_FIELDS)


def update_resource(uow: UnitOfWork, actor: Actor, resource_id: int, changes: Mapping[str, Any]) -> m.Resource:
    _known_fields(changes, RESOURCE_FIELDS)
    row = get_resource(uow, resource_id)
    _check_resource(uow, changes)
    return _update(uow, actor, row, "resource", RESOURCE_FIELDS, changes)


def delete_resource(uow: UnitOfWork, actor: Actor, resource_id: int) -> None:
    row = get_resource(uow, resource_id)
    _delete(uow, actor, row, "resource", RESOURCE_FIELDS, lambda: q.resource_usage(uow.session, resource_id))


# Product groups ---------------------------------------------------------------------------------

def get_product_group(uow: UnitOfWork, group_id: int) -> m.ProductGroup:
    return _get(uow, m.ProductGroup, group_id, "Product group")


def _check_product_group(uow: UnitOfWork, values: Mapping[str, Any], group_id: int | None = None) -> None:
    _check_text(values, ("parent_id",))
    parent_id = values.get("parent_id")
    _require(uow, m.ProductGroup, parent_id, "parent_id", "Product group")
    seen: set[int] = set()
    while parent_id is not None and group_id is not None and parent_id not in seen:
        if parent_id == group_id:
            raise ValidationError("A product group cannot be its own ancestor.", field="parent_id")
        seen.add(parent_id)
        parent_id = q.group_parent(uow.session, parent_id)


def create_product_group(uow: UnitOfWork, actor: Actor, *, name: str, parent_id: int | None = None) -> m.ProductGroup:
    values = {"name": name, "parent_id": parent_id}
    _check_product_group(uow, values)
    return _create(uow, actor, m.ProductGroup(tenant_id=actor.tenant_id, **values), "product_group",
                   PRODUCT_GROUP_FIELDS)


def update_product_group(uow: UnitOfWork, actor: Actor, group_id: int, changes: Mapping[str, Any]) -> m.ProductGroup:
    _known_fields(changes, PRODUCT_GROUP_FIELDS)
    row = get_product_group(uow, group_id)
    _check_product_group(uow, changes, group_id)
    return _update(uow, actor, row, "product_group", PRODUCT_GROUP_FIELDS, changes)


def delete_product_group(uow: UnitOfWork, actor: Actor, group_id: int) -> None:
    row = get_product_group(uow, group_id)
    _delete(uow, actor, row, "product_group", PRODUCT_GROUP_FIELDS,
            lambda: q.product_group_usage(uow.session, group_id))


# Product labels (a label on a product is only a tag: deleting it takes it off its products) ------

def get_product_label(uow: UnitOfWork, label_id: int) -> m.ProductLabel:
    return _get(uow, m.ProductLabel, label_id, "Product label")


def create_product_label(uow: UnitOfWork, actor: Actor, *, name: str) -> m.ProductLabel:
    _check_text({"name": name})
    return _create(uow, actor, m.ProductLabel(tenant_id=actor.tenant_id, name=name), "product_label",
                   PRODUCT_LABEL_FIELDS)


def update_product_label(uow: UnitOfWork, actor: Actor, label_id: int, changes: Mapping[str, Any]) -> m.ProductLabel:
    _known_fields(changes, PRODUCT_LABEL_FIELDS)
    row = get_product_label(uow, label_id)
    _check_text(changes)
    return _update(uow, actor, row, "product_label", PRODUCT_LABEL_FIELDS, changes)


def delete_product_label(uow: UnitOfWork, actor: Actor, label_id: int) -> None:
    _delete(uow, actor, get_product_label(uow, label_id), "product_label", PRODUCT_LABEL_FIELDS)


# Products ---------------------------------------------------------------------------------------

def get_product(uow: UnitOfWork, product_id: int) -> m.Product:
    return _get(uow, m.Product, product_id, "Product")


def _check_product(uow: UnitOfWork, values: Mapping[str, Any]) -> None:
    _check_text(values, ("group_id", "business_unit_id"))
    _check_choice(values, "product_type", PRODUCT_TYPES)
    _require(uow, m.ProductGroup, values.get("group_id"), "group_id", "Product group")
    _require(uow, m.BusinessUnit, values.get("business_unit_id"), "business_unit_id", "Business unit")


def _labels(uow: UnitOfWork, label_ids: list[int]) -> list[m.ProductLabel]:
    labels = []
    for label_id in dict.fromkeys(label_ids):
        label = uow.catalog.get(m.ProductLabel, label_id)
        if label is None:
            raise NotFound(f"Product label {label_id} not found.", field="label_ids")
        labels.append(label)
    return labels


def _product_snapshot(product: m.Product) -> dict[str, Any]:
    return {**snapshot(product, PRODUCT_FIELDS), "label_ids": sorted(label.id for label in product.labels)}


def create_product(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any],
                   label_ids: list[int] | None = None) -> m.Product:
    _known_fields(values, PRODUCT_FIELDS)
    if "name" not in values:
        raise ValidationError("name is required.", field="name")
    _check_product(uow, values)
    product = m.Product(tenant_id=actor.tenant_id, **{"description": "", "product_type": "groupActivity",
                                                     "bookable_from_internet": True, "css_class": "", **values})
    product.labels = _labels(uow, label_ids or [])
    uow.catalog.add(product)
    uow.record(actor, DomainEvent(catalog_event("product", "created"), "product", product.id,
                                  after=_product_snapshot(product)))
    return product


def update_product(uow: UnitOfWork, actor: Actor, product_id: int, changes: Mapping[str, Any],
                   label_ids: list[int] | None = None) -> m.Product:
    _known_fields(changes, PRODUCT_FIELDS)
    product = get_product(uow, product_id)
    _check_product(uow, changes)
    before = _product_snapshot(product)
    for name, value in changes.items():
        setattr(product, name, value)
    if label_ids is not None:
        product.labels = _labels(uow, label_ids)
    uow.session.flush()
    uow.record(actor, DomainEvent(catalog_event("product", "updated"), "product", product.id, before,
                                  _product_snapshot(product)))
    return product


def delete_product(uow: UnitOfWork, actor: Actor, product_id: int) -> None:
    product = get_product(uow, product_id)
    _delete(uow, actor, product, "product", PRODUCT_FIELDS, lambda: q.product_usage(uow.session, product_id))


# Persons ----------------------------------------------------------------------------------------

def get_person(uow: UnitOfWork, person_id: int) -> m.Person:
    return _get(uow, m.Person, person_id, "Person")


def read_person(uow: UnitOfWork, actor: Actor, person_id: int) -> m.Person:
    """Staff read anyone's record; a member only their own."""
    if actor.is_member and actor.person_id != person_id:
        raise NotAllowed("Members may only read their own person record.", field="id")
    return get_person(uow, person_id)


def _check_person(uow: UnitOfWork, values: Mapping[str, Any], person_id: int | None = None) -> None:
    _check_text(values, ("email", "gender", "language") + LOGIN_COLUMNS)
    _check_choice(values, "gender", GENDERS, nullable=True)
    _check_choice(values, "language", LANGUAGES, nullable=True)
    email = values.get("email")
    if email:
        check_email(email)
    for column in LOGIN_COLUMNS:
        value = values.get(column)
        if value and q.person_with_login(uow.session, uow.tenant_id, column, value, except_id=person_id):
            raise ValidationError(f"Another person already has this {column.replace('_', ' ')}: it must be unique "
                                  "because members log in with it.", field=column)


def _password_hash(password: str | None) -> str | None:
    if password is None:
        return None
    if not MIN_PASSWORD <= len(password) <= 200:
        raise ValidationError(f"password must be {MIN_PASSWORD} to 200 characters.", field="password")
    return hash_password(password)


def _blank_logins_are_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """An empty email / card / customer number is no login at all."""
    return {name: (None if name in LOGIN_COLUMNS and value == "" else value) for name, value in values.items()}


def create_person(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any], *, password: str | None = None) -> m.Person:
    _known_fields(values, PERSON_FIELDS)
    values = _blank_logins_are_none(values)
    _check_person(uow, values)
    person = m.Person(tenant_id=actor.tenant_id, created_at=utc_now(), password_hash=_password_hash(password),
                      **values)
    person = _create(uow, actor, person, "person", PERSON_FIELDS)
    if password is not None:
        uow.record(actor, DomainEvent(EventType.PERSON_PASSWORD_SET, "person", person.id))
    return person


def update_person(uow: UnitOfWork, actor: Actor, person_id: int, changes: Mapping[str, Any], *,
                  password: str | None = None) -> m.Person:
    """Members may change their own record only; `password` sets a new login password (never echoed)."""
    _known_fields(changes, PERSON_FIELDS)
    changes = _blank_logins_are_none(changes)
    person = get_person(uow, person_id)
    if actor.is_member and actor.person_id != person_id:
        raise NotAllowed("Members may only change their own record.", field="id")
    fixed = [name for name in MEMBER_FIXED if name in changes] if actor.is_member else []
    if fixed:
        raise NotAllowed(f"Members cannot change their {fixed[0].replace('_', ' ')}.", field=fixed[0])
    _check_person(uow, changes, person_id)
    if password is not None:
        person.password_hash = _password_hash(password)
        uow.record(actor, DomainEvent(EventType.PERSON_PASSWORD_SET, "person", person.id))
    if changes or password is None:
        _update(uow, actor, person, "person", PERSON_FIELDS, changes)
    return person


def remember_language(uow: UnitOfWork, actor: Actor, language: str) -> bool:
    """A member's language is the one they last used on the pages (logging in, or switching):
    their emails are written in it. Changed, and recorded, only when it differs."""
    if actor.person_id is None:
        raise NotAllowed("Only a member has a language of their own.", field="language")
    person = get_person(uow, actor.person_id)
    if person.language == language:
        return False
    update_person(uow, actor, person.id, {"language": language})
    return True


def delete_person(uow: UnitOfWork, actor: Actor, person_id: int) -> None:
    person = get_person(uow, person_id)
    _delete(uow, actor, person, "person", PERSON_FIELDS, lambda: q.person_usage(uow.session, person_id))


# Registrations (created by services.registrations; changed and removed here) --------------------

def get_registration(uow: UnitOfWork, registration_id: int) -> m.Registration:
    return _get(uow, m.Registration, registration_id, "Registration")


def update_registration(uow: UnitOfWork, actor: Actor, registration_id: int,
                        changes: Mapping[str, Any]) -> m.Registration:
    _known_fields(changes, REGISTRATION_FIELDS)
    registration = get_registration(uow, registration_id)
    badge = changes.get("badge_number")
    if badge is not None and (isinstance(badge, bool) or not isinstance(badge, int) or badge < 0):
        raise ValidationError("badge_number must be a non-negative integer.", field="badge_number")
    code = changes.get("code")
    if "code" in changes:
        if not isinstance(code, str) or not code.strip() or len(code) > 64:
            raise ValidationError("code must be 1 to 64 characters.", field="code")
        other = uow.people.registration_by_code(registration.offering_id, code)
        if other is not None and other.id != registration.id:
            raise ValidationError(f"Registration code {code} already exists for this offering.", field="code")
    return _update(uow, actor, registration, "registration", REGISTRATION_FIELDS, changes)


def delete_registration(uow: UnitOfWork, actor: Actor, registration_id: int) -> None:
    registration = get_registration(uow, registration_id)
    _delete(uow, actor, registration, "registration", ("offering_id", "person_id") + REGISTRATION_FIELDS,
            lambda: q.registration_usage(uow.session, registration_id))
