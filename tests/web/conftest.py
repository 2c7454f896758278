"""Web page fixtures: a tenant of its own per test (tests/conftest.py's `world`) with a member who
can log in, and a visitor: the whole app through a cookie-keeping client, as a browser uses it; and
for the staff pages, a staff user logged in (`desk`) and another tenant with data of its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from staff_support import a_class, booked
from tests.conftest import World, add_member, add_staff
from web_support import Visitor

from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork


@dataclass
class Member:
    person_id: int
    email: str
    password: str
    card: str
    customer: str


@pytest.fixture
def member(world: Any) -> Member:
    card, customer = f"C{uuid.uuid4().int % 10**8}", f"K{uuid.uuid4().int % 10**8}"
    person_id, email, password = add_member(world, card_number=card, customer_number=customer)  # Anna Larsson
    return Member(person_id, email, password, card, customer)


@pytest.fixture
def visitor(client: Any, world: Any) -> Visitor:
    return Visitor(client, world.tenant.slug)


@pytest.fixture
def logged_in(visitor: Visitor, member: Member) -> Visitor:
    page = visitor.log_in(member.email, member.password)
    assert page.status == 200 and page.has("Logged in as Anna Larsson"), page.text[:500]
    return visitor


# ---------------------------------------------------------------- the staff pages


@pytest.fixture
def staff_login(world: Any) -> tuple[str, str]:
    return add_staff(world, role=Role.STAFF)


@pytest.fixture
def desk(visitor: Visitor, staff_login: tuple[str, str]) -> Visitor:
    """The front desk: a staff user logged in on the tenant's site."""
    page = visitor.log_in(*staff_login)
    assert page.status == 200, page.text[:300]
    return visitor


@pytest.fixture
def foreign(database: Any) -> tuple[Any, int, World]:
    """Another tenant, with a class and a booking of its own."""
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        uow.commit()
    world = World(database, other, Actor(other.id, "admin", Role.ADMIN, Channel.NATIVE))
    slot = a_class(world)
    return slot, booked(world, slot.id), world
