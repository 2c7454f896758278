"""Native API fixtures: an admin API key, a staff user, a member, and a second tenant."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from native_support import Member, api_key, member_of, staff_user

from bookable.domain.actors import Actor, Channel, Role
from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork


@pytest.fixture
def admin(world: Any) -> dict[str, str]:
    """An admin API key (Bearer)."""
    return api_key(world)


@pytest.fixture
def staff(world: Any) -> dict[str, str]:
    """A staff (not admin) user, by HTTP Basic."""
    return staff_user(world)


@pytest.fixture
def member(world: Any) -> Member:
    return member_of(world)


@pytest.fixture
def other_world(world: Any, database: Any) -> Any:
    """A second tenant, to prove nothing crosses between tenants."""
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:10]}", timezone="Europe/London")
        uow.commit()
    return type(world)(database, tenant, Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE))
