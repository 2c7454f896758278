"""Views contract helpers: a client logged in as staff, session URLs, XML readers, database look-ups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select
from tests.local_dates import local_today

from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

BASE = "/api/restful/work/sessiongroups/sessions/{sid}/participants"
XML = {"Content-Type": "text/xml"}


@dataclass
class Views:
    world: Any
    client: Any
    auth: tuple[str, str]

    def url(self, sid: int, pid: int | str | None = None) -> str:
        return BASE.format(sid=sid) + ("" if pid is None else f"/{pid}")

    def call(self, method: str, sid: int, body: str | bytes | None = None, pid: int | str | None = None,
             headers: dict[str, str] | None = None, auth: object = "default"):  # type: ignore[no-untyped-def]
        return self.client.request(  # type: ignore[attr-defined]
            method, self.url(sid, pid), content=body, headers={**XML, **(headers or {})},
            auth=self.auth if auth == "default" else auth,
        )

    def session(self, *, price: str | None = None, spaces: int = 5, days_ahead: int = 3, **spec: object) -> m.Slot:
        offering = self.world.offering(
            price=Decimal(price) if price is not None else None, spaces=spaces,
            start_date=local_today() + timedelta(days=days_ahead), **spec,
        )
        return self.world.slots(offering.id)[0]

    def bookings(self, slot_id: int) -> list[m.Booking]:
        with self.world.uow(write=False) as uow:
            query = select(m.Booking).where(m.Booking.slot_id == slot_id).order_by(m.Booking.id)
            return list(uow.session.scalars(query))

    def booking(self, booking_id: int) -> m.Booking:
        with self.world.uow(write=False) as uow:
            row = uow.bookings.booking(booking_id)
            assert row is not None
            return row

    def ledger(self, booking_id: int) -> list[m.LedgerEntry]:
        with self.world.uow(write=False) as uow:
            return uow.bookings.ledger(booking_id)

    def attendance(self, booking_id: int, slot_id: int) -> m.Attendance | None:
        with self.world.uow(write=False) as uow:
            return uow.bookings.attendance(booking_id, slot_id)

    def person_row(self, person_id: int) -> m.Person:
        with self.world.uow(write=False) as uow:
            row = uow.people.person(person_id)
            assert row is not None
            return row

    def snapshot(self, slot_id: int) -> list[tuple[object, ...]]:
        """Everything a failed call must leave untouched: bookings, attendance and ledger of a slot."""
        with self.world.uow(write=False) as uow:
            rows = uow.session.execute(select(m.Booking.id, m.Booking.status, m.Booking.person_id)
                                       .where(m.Booking.slot_id == slot_id).order_by(m.Booking.id)).all()
            marks = uow.session.execute(
                select(m.Attendance.booking_id, m.Attendance.attended, m.Attendance.volunteering)
                .where(m.Attendance.slot_id == slot_id)).all()
            ids = [row[0] for row in rows]
            money = uow.session.execute(select(m.LedgerEntry.id, m.LedgerEntry.amount)
                                        .where(m.LedgerEntry.booking_id.in_(ids or [0]))).all()
        return [tuple(r) for r in rows] + [tuple(r) for r in marks] + [tuple(r) for r in money]


def staff_login(world: Any, role: Role = Role.STAFF) -> tuple[str, str]:
    username, password = f"views-{uuid.uuid4().hex[:10]}", "correct-horse"
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, password, role)
        uow.commit()
    return username, password


def other_account(world: Any) -> Any:
    """A second account (tenant) on the same database, shaped like the `world` fixture."""
    with UnitOfWork(world.database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:10]}", timezone="Europe/London")
        uow.commit()
    return type(world)(world.database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))


def xml(response) -> etree._Element:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/xml"), response.text
    return etree.fromstring(response.content)


def error_messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    root = xml(response)
    assert root.tag == "errors"
    return [error.text or "" for error in root.findall("error")]


def spec_post_body(person_id: int, payment_type: str = "Debit Card", amount: str = "20", extra: str = "") -> str:
    """The spec's own POST body, with our person's id."""
    return f"""<participant>
    <PersonID>{person_id}</PersonID>
    <PaymentType>{payment_type}</PaymentType>
    <PaymentAmount>{amount}</PaymentAmount>
    <PaymentFee>2.50</PaymentFee>
    <PaymentReference>7002</PaymentReference>
    <Forename>Father</Forename>
    <Surname>Test</Surname>
    <Address1/>
    <Address2/>
    <Town/>
    <County/>
    <Postcode/>
    <Telephone/>
    <Email>test@test.com</Email>{extra}
</participant>"""
