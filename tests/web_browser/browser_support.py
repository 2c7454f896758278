"""A small gym built for one browser test, and the accessibility check (axe-core, as shipped by
axe-playwright-python) run in the page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import axe_playwright_python

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import Repeat
from bookable.services import accounts
from bookable.services.bookings import WaitlistPolicy, book, cancel
from bookable.services.offerings import Placement, create_offering, today_in
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork

PASSWORD = "member-password"
AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"


@dataclass
class Gym:
    database: Database
    slug: str
    tenant_id: int
    day: date
    email: str
    spinning: int
    boxing: int
    yoga: int
    south: int
    north: int
    yoga_holder: int

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database, self.tenant_id)

    def free_the_yoga_place(self) -> None:
        """The one holding the yoga place cancels, and so does the first waiting, who was promoted:
        the member, next in the queue, is promoted in the same transaction."""
        admin = Actor(self.tenant_id, "browser-test", Role.ADMIN, Channel.NATIVE)
        with self.uow() as uow:
            cancel(uow, admin, self.yoga_holder)
            cancel(uow, admin, self.yoga_holder + 1)
            uow.commit()


def build_gym(database: Database, language: str) -> Gym:
    slug = f"gym-{uuid.uuid4().hex[:8]}"
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, slug, name="Browser Gym", timezone="Europe/Stockholm", currency="SEK")
        tenant.language = language
        uow.commit()
    day = today_in("Europe/Stockholm") + timedelta(days=2)
    admin = Actor(tenant.id, "browser-test", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(database, tenant.id) as uow:
        south = uow.catalog.add(m.BusinessUnit(tenant_id=tenant.id, name="South Hall")).id
        north = uow.catalog.add(m.BusinessUnit(tenant_id=tenant.id, name="North Hall")).id

        def a_class(name: str, at: time, spaces: int, unit: int) -> int:
            spec = OfferingSpec(kind=Kind.EVENT, name=name, group="Classes", start_date=day, start_time=at,
                                duration=60, spaces=spaces, min_cancel=0, repeat=Repeat.NONE, max_advance=14)
            offering = create_offering(uow, admin, spec, Placement(business_unit_id=unit))
            return uow.offerings.slots_of(offering.id)[0].id

        spinning, boxing, yoga = a_class("Spinning", time(7, 0), 10, south), a_class(
            "Boxing", time(17, 0), 12, north), a_class("Yin Yoga", time(19, 0), 1, north)
        email = f"anna-{slug}@example.se"
        member = uow.people.add(m.Person(tenant_id=tenant.id, first_name="Anna", last_name="Lindqvist", email=email,
                                         password_hash=accounts.hash_password(PASSWORD), created_at=utc_now()))
        others = [uow.people.add(m.Person(tenant_id=tenant.id, first_name=f"Other{n}", last_name="Member",
                                          created_at=utc_now())).id for n in range(2)]
        holder = [book(uow, admin, person_id=person, slot_id=yoga, waitlist=WaitlistPolicy.IF_FULL).booking.id
                  for person in others][0]
        uow.commit()
    assert member.id
    return Gym(database, slug, tenant.id, day, email, spinning, boxing, yoga, south, north, holder)


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2.0/2.1 A and AA on the page as it is."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
