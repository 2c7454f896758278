"""Shared fixtures: a migrated database per backend per test run, and a fresh tenant per test.

SQLite always runs; PostgreSQL runs too when BOOKABLE_TEST_POSTGRES_URL is set. Each run creates
its own throwaway PostgreSQL database and drops it afterwards, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.local_dates import local_today

from bookable.api import auth
from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.offering import Kind, OfferingSpec
from bookable.domain.recurrence import Repeat
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.database import Database, database_url
from bookable.storage.schema import upgrade
from bookable.storage.unit_of_work import UnitOfWork

POSTGRES_URL = os.environ.get("BOOKABLE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def throwaway_postgres(prefix: str = "bookable_test") -> Iterator[str]:
    """Yields the URL of a new, empty PostgreSQL database; drops it when resumed."""
    base = make_url(database_url(POSTGRES_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "bookable.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        yield db
        db.dispose()
        return
    urls = throwaway_postgres()
    db = Database(next(urls))
    upgrade(db)
    yield db
    db.dispose()
    next(urls, None)


@dataclass
class World:
    """One tenant of its own per test, with an admin actor and helpers to build offerings."""

    database: Database
    tenant: m.Tenant
    admin: Actor

    def uow(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.database, self.tenant.id, write=write)

    def actor(self, role: Role = Role.STAFF, channel: Channel = Channel.NATIVE, person_id: int | None = None) -> Actor:
        return Actor(self.tenant.id, f"{role.value}-{person_id or 'x'}", role, channel, person_id)

    def person(self, first: str = "Anna", last: str = "Larsson", **extra: object) -> int:
        with self.uow() as uow:
            row = uow.people.add(
                m.Person(
                    tenant_id=self.tenant.id, first_name=first, last_name=last, created_at=accounts.utc_now(), **extra
                )
            )
            uow.commit()
            return row.id

    def offering(self, **overrides: object) -> m.Offering:
        from bookable.services.offerings import create_offering

        values: dict[str, object] = dict(
            kind=Kind.EVENT,
            name="Spinning",
            group="Classes",
            start_date=local_today() + timedelta(days=3),
            start_time=time(18, 0),
            duration=60,
            spaces=5,
            min_cancel=0,
            repeat=Repeat.NONE,
        )
        values.update(overrides)
        with self.uow() as uow:
            offering = create_offering(uow, self.admin, OfferingSpec(**values))  # type: ignore[arg-type]
            uow.commit()
            return offering

    def slots(self, offering_id: int) -> list[m.Slot]:
        with self.uow(write=False) as uow:
            return uow.offerings.slots_of(offering_id)


@pytest.fixture
def world(database: Database) -> World:
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(
            uow,
            f"t-{uuid.uuid4().hex[:10]}",
            timezone="Europe/Stockholm",
            client_id=int(uuid.uuid4().int % 2_000_000_000),
        )
        uow.commit()
    admin = Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE)
    return World(database, tenant, admin)


@pytest.fixture(scope="session")
def app(database: Database):  # type: ignore[no-untyped-def]
    from bookable.api.app import create_app

    return create_app(database, roll_horizons=False)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """The passwords tests make are hashed with argon2-cffi's cheapest parameters. The default costs
    ~0.1 s to hash and as much to verify: most API tests add a user and log in once, and paid ~0.2 s
    for it. The same argon2id code runs, and a hash carries its parameters, so servers the tests
    start verify these as cheaply."""
    default = accounts.password_hasher
    accounts.password_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    accounts.password_hasher = default


@dataclass
class LoginClock:
    now: datetime

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def login_clock(monkeypatch: pytest.MonkeyPatch) -> LoginClock:
    """The clock failed logins are held back by, stopped: the holds last a second or two, which a
    loaded machine can outlast between two tries. `advance()` moves it on."""
    clock = LoginClock(utc_now())
    monkeypatch.setattr(auth, "utc_now", lambda: clock.now)
    return clock


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A real HTTP client over the whole ASGI app (every API), for one test, calling from an address
    of its own: failed logins are throttled per client address (api/login_throttle.py), and one
    test's failures must not hold back another's."""
    from fastapi.testclient import TestClient

    with TestClient(app, client=(client_address(), 50000)) as test_client:
        yield test_client


def client_address() -> str:
    """A fresh address in the documentation range 2001:db8::/32, one per call."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def add_staff(
    world: World, username: str | None = None, password: str = "correct-horse", role: Role = Role.ADMIN
) -> tuple[str, str]:
    username = username or f"staff-{uuid.uuid4().hex[:8]}"
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, password, role)
        uow.commit()
    return username, password


def add_api_key(world: World, role: Role = Role.ADMIN) -> str:
    with world.uow() as uow:
        _, key = accounts.add_api_key(uow, world.tenant, "tests", role)
        uow.commit()
    return key


def add_member(
    world: World, email: str | None = None, password: str = "member-pass", **extra: object
) -> tuple[int, str, str]:
    """A person who can log in (BRP members): returns (person_id, login, password)."""
    email = email or f"m-{uuid.uuid4().hex[:8]}@example.org"
    person_id = world.person(email=email, password_hash=accounts.hash_password(password), **extra)
    return person_id, email, password
