"""Web page fixtures: a tenant of its own per test (tests/conftest.py's `world`) with a member who
can log in, and a visitor: the whole app through a cookie-keeping client, as a browser uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tests.conftest import add_member
from web_support import Visitor


@dataclass
class Member:
    person_id: int
    email: str
    password: str
    card: str
    customer: str


@pytest.fixture
def member(world: Any) -> Member:
    import uuid

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
