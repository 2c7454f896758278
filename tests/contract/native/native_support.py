"""Native API test helpers: credentials of each kind, request helpers, database look-ups."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.local_dates import local_today

from bookable.domain.actors import Role
from bookable.services import accounts
from bookable.storage import models as m

API = "/api/v1"


def api_key(world: Any, role: Role = Role.ADMIN) -> dict[str, str]:
    with world.uow() as uow:
        _, key = accounts.add_api_key(uow, world.tenant, "native-tests", role)
        uow.commit()
    return {"Authorization": f"Bearer {key}"}


def staff_user(world: Any, role: Role = Role.STAFF, password: str = "correct-horse") -> dict[str, str]:
    username = f"staff-{uuid.uuid4().hex[:8]}"
    with world.uow() as uow:
        accounts.add_user(uow, world.tenant, username, password, role)
        uow.commit()
    return basic(username, password)



def basic(login: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@dataclass
class Member:
    person_id: int
    login: str
    password: str
    headers: dict[str, str]


def member_of(world: Any, password: str = "member-pass", **extra: Any) -> Member:
    login = f"m-{uuid.uuid4().hex[:8]}@example.org"
    person_id = world.person(email=login, password_hash=accounts.hash_password(password), **extra)
    return Member(person_id, login, password, {**basic(login, password), "X-Bookable-Tenant": world.tenant.slug})


def in_days(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def offering_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "event", "name": "Spinning", "group": "Classes", "start_date": in_days(3),
                            "start_time": "18:00", "duration": 60, "spaces": 5, "min_cancel": 0}
    body.update(overrides)
    return body


def create_offering(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(f"{API}/offerings", json=offering_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def create_person(client: Any, headers: dict[str, str], **fields: Any) -> int:
    response = client.post(f"{API}/persons", json={"first_name": "Anna", "last_name": "Larsson", **fields},
                           headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def book(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"{API}/bookings", json=body, headers=headers)


def db_booking(world: Any, booking_id: int) -> m.Booking | None:
    with world.uow(write=False) as uow:
        return uow.bookings.booking(booking_id)


def db_bookings_of(world: Any, person_id: int) -> list[m.Booking]:
    with world.uow(write=False) as uow:
        return uow.bookings.of_person(person_id, ("confirmed", "reserved", "waitlisted", "cancelled"))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["code"] == code
    assert problem["type"].endswith(code.replace("_", "-")) and problem["title"] and problem["detail"]
    return problem
