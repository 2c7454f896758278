"""Failed logins are throttled per account and per client address, in every API's envelope, and a
wrong password costs the same time whether the login exists or not (docs/adr/0015)."""

from __future__ import annotations

import base64
import uuid
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event
from tests.conftest import add_api_key, add_member, add_staff, client_address

from bookable.domain.throttling import ACCOUNT, ADDRESS
from bookable.services import accounts

FREE = ACCOUNT.free
pytestmark = pytest.mark.usefixtures("login_clock")


def basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


class Brp:
    def __init__(self, client, world):  # type: ignore[no-untyped-def]
        self.client, self.world = client, world
        self.apikey = add_api_key(world)

    def bookings(self, login: str, password: str, client=None):  # type: ignore[no-untyped-def]
        return (client or self.client).get(f"/{self.world.tenant.slug}/api/ver2/bookings.json",
                                           params={"apikey": self.apikey}, headers=basic(login, password))


def test_a_members_wrong_passwords_are_free_five_times_then_held_back_with_429_1014(client, world, login_clock):
    brp = Brp(client, world)
    _, login, password = add_member(world)

    tries = [brp.bookings(login, "wrong").status_code for _ in range(FREE + 1)]
    held = brp.bookings(login, "wrong")
    right_too = brp.bookings(login, password)

    assert tries == [401] * (FREE + 1)
    assert held.status_code == right_too.status_code == 429
    assert held.json() == {"errors": [{"code": 1014, "message": "För många misslyckade inloggningar; försök igen "
                                       "senare", "debug": "Too many failed logins: try again in 1 seconds."}]}
    assert held.headers["retry-after"] == "1"
    login_clock.advance(1.1)
    assert brp.bookings(login, password).status_code == 200
    assert brp.bookings(login, "wrong again").status_code == 401  # the right password started the count again


def test_the_wait_doubles_with_each_further_failure_up_to_its_cap():
    waits = [ACCOUNT.delay_after(n).total_seconds() for n in range(FREE, FREE + 10)]
    assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert ADDRESS.delay_after(10**6).total_seconds() == 900


def test_a_member_logged_in_lately_is_not_locked_out_by_someone_guessing_their_password(
        client, app, world, monkeypatch):
    brp = Brp(client, world)
    _, login, password = add_member(world)
    monkeypatch.setattr(app.state.authenticator.cache, "ttl", 0.0)  # every remembered login has expired
    assert brp.bookings(login, password).status_code == 200
    attacker = type(client)(app, client=(client_address(), 1))

    for _ in range(FREE + 1):
        brp.bookings(login, "guess", client=attacker)

    assert brp.bookings(login, "guess", client=attacker).status_code == 429
    assert brp.bookings(login, password).status_code == 200


@pytest.mark.parametrize("api", ["native", "views", "bookingbug", "ym"])
def test_staff_logins_are_held_back_in_each_apis_envelope(client, world, api):
    username, _ = add_staff(world)
    call = {
        "native": lambda h: client.get("/api/v1/persons", headers=h),
        "views": lambda h: client.get("/api/restful/work/sessiongroups/sessions/1/participants", headers=h),
        "bookingbug": lambda h: client.get("/api/sessions.xml", headers=h),
        "ym": lambda h: client.post(f"/Ams/{world.tenant.client_id}/Event/1/EventRegistrationSessions.json",
                                    headers=h, json={}),
    }[api]
    for _ in range(FREE + 1):
        assert call(basic(username, "wrong")).status_code == 401

    held = call(basic(username, "wrong"))

    assert held.status_code == 429 and held.headers["retry-after"] == "1"
    if api == "native":
        assert held.headers["content-type"] == "application/problem+json"
        assert held.json()["code"] == "too_many_attempts"
    elif api == "ym":
        assert held.json()["ResponseStatus"]["ErrorCode"] == "TooManyRequests"
    else:
        assert 'code="too_many_attempts"' in held.text


def test_one_address_failing_on_many_accounts_is_held_back_and_others_are_not(client, app, world):
    brp = Brp(client, world)
    _, login, password = add_member(world)
    for _ in range(ADDRESS.free + 1):
        assert brp.bookings(f"nobody-{uuid.uuid4().hex[:8]}@example.org", "guess").status_code == 401

    assert brp.bookings(f"nobody-{uuid.uuid4().hex[:8]}@example.org", "guess").status_code == 429
    assert brp.bookings(login, password).status_code == 429
    elsewhere = type(client)(app, client=(client_address(), 1))
    assert brp.bookings(login, password, client=elsewhere).status_code == 200


def test_every_worker_and_host_sees_the_same_failures(client, world, database):
    from fastapi.testclient import TestClient

    from bookable.api.app import create_app

    username, password = add_staff(world)
    address = client_address()
    first = TestClient(create_app(database, roll_horizons=False), client=(address, 1))
    second = TestClient(create_app(database, roll_horizons=False), client=(address, 1))
    for _ in range(FREE + 1):
        first.get("/api/v1/persons", headers=basic(username, "wrong"))

    assert second.get("/api/v1/persons", headers=basic(username, password)).status_code == 429


def test_a_remembered_good_login_does_not_touch_the_failure_counts(client, world, database):
    username, password = add_staff(world)
    assert client.get("/api/v1/persons", headers=basic(username, password)).status_code == 200
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engines = {database.read_engine, database.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get("/api/v1/persons", headers=basic(username, password)).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "login_failures" in s]


class _RecordingHasher(PasswordHasher):
    """argon2's default hasher, noting the parameters of every hash it verifies."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 - argon2's name
        text = hash.decode() if isinstance(hash, bytes) else hash
        self.verified.append(text.rsplit("$", 2)[0])  # $argon2id$v=19$m=...,t=...,p=...: what it costs
        return super().verify(hash, password)


def test_a_wrong_password_takes_as_long_for_an_unknown_login_as_for_a_real_one(client, world, monkeypatch):
    """Not timed (a busy host makes times lie): an unknown login verifies a hash made with the same
    parameters, so the same argon2 work, as a real login's stored hash."""
    hasher = _RecordingHasher()
    monkeypatch.setattr(accounts, "password_hasher", hasher)
    username, _ = add_staff(world)

    assert client.get("/api/v1/persons", headers=basic(username, "wrong")).status_code == 401
    assert client.get("/api/v1/persons", headers=basic(f"nobody-{uuid.uuid4().hex}", "wrong")).status_code == 401

    real, unknown = hasher.verified
    assert real == unknown
    assert real.startswith("$argon2id$") and f"m={hasher.memory_cost}" in real
