"""BookingBug contract helpers: a client logged in as staff of the test's company, XML readers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from lxml import etree
from tests.local_dates import local_today

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork


@dataclass
class BookingBug:
    """A BookingBug client: HTTP Basic as a staff user of the world's company."""

    client: Any
    world: Any
    auth: tuple[str, str]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, auth=self.auth, **kwargs)

    def post(self, path: str, body: str, **kwargs: Any) -> Any:
        return self.client.post(
            path, content=body, auth=self.auth, headers=XML_HEADERS | kwargs.pop("headers", {}), **kwargs
        )

    def put(self, path: str, body: str, **kwargs: Any) -> Any:
        return self.client.put(
            path, content=body, auth=self.auth, headers=XML_HEADERS | kwargs.pop("headers", {}), **kwargs
        )

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, auth=self.auth, **kwargs)

    def offerings(self) -> list[m.Offering]:
        with self.world.uow(write=False) as uow:
            return uow.offerings.all()

    def slots(self, offering_id: int) -> list[m.Slot]:
        return self.world.slots(offering_id)


XML_HEADERS = {"Content-Type": "text/xml"}


def staff_login(world: Any, username: str) -> tuple[str, str]:
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, "correct-horse", Role.STAFF)
        uow.commit()
    return username, "correct-horse"


def xml(response: Any) -> etree._Element:
    assert response.headers["content-type"].startswith("text/xml"), response.text
    return etree.fromstring(response.content)


def error_of(response: Any) -> etree._Element:
    """The single <error> of a BookingBug error envelope."""
    root = xml(response)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    assert error.text
    return error


def texts(node: etree._Element) -> dict[str, str]:
    return {child.tag: child.text or "" for child in node if not len(child)}


def company_state(world: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every offering, slot, booking and audit row of the world's company, to assert nothing changed."""
    tables = {"offerings": m.Offering, "slots": m.Slot, "bookings": m.Booking, "audit": m.EventRecord}
    with world.uow(write=False) as uow:
        return {
            name: [
                tuple(getattr(row, column.key) for column in model.__table__.columns)
                for row in uow.session.query(model).filter_by(tenant_id=world.tenant.id).order_by(model.id)
            ]
            for name, model in tables.items()
        }


def other_company_session(world: Any, name: str = "Secret") -> tuple[int, int]:
    """A one-slot event of another company (tenant), in the next fortnight: (session id, slot id)."""
    with UnitOfWork(world.database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"other-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        uow.commit()
    actor = Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(world.database, tenant.id) as uow:
        spec = OfferingSpec(kind=Kind.EVENT, name=name, group="Theirs",
                            start_date=local_today() + timedelta(days=9), start_time=time(9, 0))
        offering = create_offering(uow, actor, spec)
        uow.commit()
        return offering.id, uow.offerings.slots_of(offering.id)[0].id
