"""A BRP client's view of bookable: a tenant with a catalogue, an apikey, a member, and helpers that
read XML and JSON answers into one comparable shape."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import orjson
from lxml import etree
from tests.local_dates import local_today

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import Repeat
from bookable.services import accounts
from bookable.services.offerings import Placement, create_offering
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

FORMATS = ("xml", "json")
LIST_TAGS = {"productlabels", "resources", "participants", "products", "productgroups", "events", "errors"}
INLINE_LISTS = {"activities": "activity", "bookings": "booking"}


@dataclass
class Catalogue:
    centrum: int
    norr: int
    training: int
    dance: int
    grouping: int
    spinning: int
    level: int
    yoga_label: int
    spinn: int
    yoga: int
    course_product: int
    event_product: int
    lena: int
    sal: int


def build_catalogue(world: Any) -> Catalogue:
    """Business units, product groups, labels, products and resources, straight through storage."""
    tenant = world.tenant.id
    with world.uow() as uow:
        add = uow.catalog.add
        centrum = add(m.BusinessUnit(tenant_id=tenant, name="Centrum"))
        norr = add(m.BusinessUnit(tenant_id=tenant, name="Norr"))
        grouping = add(m.ProductGroup(tenant_id=tenant, name="Aktiviteter"))
        training = add(m.ProductGroup(tenant_id=tenant, name="Gruppträning", parent_id=grouping.id))
        dance = add(m.ProductGroup(tenant_id=tenant, name="Dans", parent_id=grouping.id))
        spinning = add(m.ProductLabel(tenant_id=tenant, name="Spinning"))
        level = add(m.ProductLabel(tenant_id=tenant, name="Medel"))
        yoga_label = add(m.ProductLabel(tenant_id=tenant, name="Yoga"))
        spinn = add(m.Product(tenant_id=tenant, name="Spinn B45", description="Produktbeskrivning",
                              product_type="groupActivity", bookable_from_internet=True, css_class="blue",
                              group_id=training.id, business_unit_id=centrum.id, labels=[spinning, level]))
        yoga = add(m.Product(tenant_id=tenant, name="Yoga", description="Lugn yoga", product_type="groupActivity",
                             bookable_from_internet=False, css_class="green", group_id=dance.id,
                             business_unit_id=norr.id, labels=[yoga_label]))
        course_product = add(m.Product(tenant_id=tenant, name="Simskola", description="Simning",
                                       product_type="event", css_class="", labels=[level]))
        event_product = add(m.Product(tenant_id=tenant, name="Spinntour", description="Spinning",
                                      product_type="event", css_class="red", group_id=training.id, labels=[spinning]))
        lena = add(m.Resource(tenant_id=tenant, name="Lena Olsson", kind="instructor"))
        sal = add(m.Resource(tenant_id=tenant, name="Spinningsal", kind="room", business_unit_id=centrum.id))
        tenant_row = uow.session.get(m.Tenant, tenant)
        tenant_row.grouping_product_group_id = grouping.id
        uow.commit()
        return Catalogue(centrum.id, norr.id, training.id, dance.id, grouping.id, spinning.id, level.id,
                         yoga_label.id, spinn.id, yoga.id, course_product.id, event_product.id, lena.id, sal.id)


def make_offering(world: Any, *, product: int | None = None, business_unit: int | None = None,
                  resources: tuple[int, ...] = (), publish: tuple[Any, Any] = (None, None), **spec: Any) -> m.Offering:
    values: dict[str, Any] = dict(
        kind=Kind.RECURRING, name="Spinning", group="Classes", start_date=local_today() + timedelta(days=2),
        start_time=time(18, 0), duration=45, spaces=10, min_cancel=0, repeat=Repeat.NONE,
    )
    values.update(spec)
    placement = Placement(product_id=product, business_unit_id=business_unit, resource_ids=resources,
                          publish_start=publish[0], publish_end=publish[1])
    with world.uow() as uow:
        offering = create_offering(uow, world.admin, OfferingSpec(**values), placement)
        uow.commit()
        return offering


def basic(login: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Brp:
    client: Any
    world: Any
    apikey: str
    member_id: int
    login: str
    password: str
    catalogue: Catalogue
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, resource: str, fmt: str | None = "xml", tenant: str | None = None) -> str:
        suffix = "" if fmt is None else f".{fmt}"
        return f"/{tenant or self.world.tenant.slug}/api/ver2/{resource}{suffix}"

    def call(self, method: str, resource: str, fmt: str | None = "xml", *, member: bool | tuple[str, str] = True,
             apikey: str | None = "default", tenant: str | None = None, form: dict[str, Any] | None = None,
             **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        if apikey is not None:
            query["apikey"] = self.apikey if apikey == "default" else apikey
        headers = dict(self.headers)
        if member:
            headers.update(basic(*member) if isinstance(member, tuple) else basic(self.login, self.password))
        return self.client.request(method, self.url(resource, fmt, tenant), params=query, headers=headers,
                                   data=form)

    def get(self, resource: str, fmt: str | None = "xml", **kwargs: Any) -> Any:
        return self.call("GET", resource, fmt, **kwargs)

    def post(self, resource: str, fmt: str | None = "xml", **kwargs: Any) -> Any:
        return self.call("POST", resource, fmt, **kwargs)

    def delete(self, resource: str, fmt: str | None = "xml", **kwargs: Any) -> Any:
        return self.call("DELETE", resource, fmt, **kwargs)


def add_member(world: Any, first: str = "Tessan", last: str = "Testsson", password: str = "member-pass",
               **extra: Any) -> tuple[int, str, str]:
    """A person who logs in with email (or card / customer number): (person_id, login, password)."""
    login = extra.pop("email", None) or f"m-{uuid.uuid4().hex[:8]}@example.org"
    person_id = world.person(first, last, email=login, password_hash=accounts.hash_password(password), **extra)
    return person_id, login, password


@dataclass
class OtherTenant:
    """A second tenant, for tests that must not see across tenants (same helpers as `world`)."""

    database: Any
    tenant: m.Tenant
    admin: Actor

    def uow(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.database, self.tenant.id, write=write)

    def slots(self, offering_id: int) -> list[m.Slot]:
        with self.uow(write=False) as uow:
            return uow.offerings.slots_of(offering_id)


def other_tenant(database: Any) -> OtherTenant:
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:10]}", timezone="Europe/Stockholm")
        uow.commit()
    return OtherTenant(database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))


def add_api_key(world: Any) -> str:
    with world.uow() as uow:
        _, key = accounts.add_api_key(uow, world.tenant, "brp-integration", Role.ADMIN)
        uow.commit()
    return key


# ------------------------------------------------------------------ one shape for XML and JSON answers

def document(response: Any) -> tuple[str, Any]:
    """(root tag, content) with every scalar as the text a client reads from XML."""
    if response.headers["content-type"].startswith("application/json"):
        body = orjson.loads(response.content)
        assert len(body) == 1
        [(tag, content)] = body.items()
        return tag, _json_text(content)
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    return root.tag, _xml_content(root)


def _json_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_text(item) for item in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_content(element: Any) -> Any:
    children = list(element)
    if element.tag in LIST_TAGS:
        return [_xml_content(child) for child in children]
    if not children:
        return element.text or ""
    inline = INLINE_LISTS.get(element.tag)
    content: dict[str, Any] = {inline: []} if inline else {}
    for child in children:
        if child.tag == inline:
            content[inline].append(_xml_content(child))
        else:
            assert child.tag not in content, f"repeated <{child.tag}>"
            content[child.tag] = _xml_content(child)
    return content


def error_of(response: Any) -> dict[str, str]:
    tag, content = document(response)
    assert tag == "errors" and len(content) == 1
    return content[0]
