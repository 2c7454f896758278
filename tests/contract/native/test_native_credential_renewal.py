"""A remembered login that has expired is renewed with one database read, not another argon2
verification, while the stored password hash is unchanged; a changed password or a removed account
is refused at the next check (ADR 0004).

Before, every (caller, worker) pair paid argon2 (~0.1 s of CPU here) again every 60 s: a few
hundred members using an app kept a core busy verifying passwords they had already proved.
"""

from __future__ import annotations

import pytest
from native_support import API, assert_problem, basic, member_of, staff_user

from bookable.services import accounts
from bookable.storage import models as m


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the server makes (the real check still runs)."""
    seen: list[str] = []
    real = accounts.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        seen.append(password_hash or "")
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counted)
    return seen


@pytest.fixture
def expired_at_once(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every remembered credential expires as soon as it is remembered: each request checks again."""
    monkeypatch.setattr(app.state.authenticator.cache, "ttl", -1.0)


def test_an_expired_staff_login_is_renewed_without_verifying_the_password_again(
        client, world, verifications, expired_at_once):
    staff = staff_user(world)
    for _ in range(3):
        assert client.get(f"{API}/offerings", headers=staff).status_code == 200
    assert len(verifications) == 1


def test_an_expired_member_login_is_renewed_without_verifying_the_password_again(
        client, world, verifications, expired_at_once):
    member = member_of(world)
    for _ in range(3):
        response = client.get(f"{API}/persons/me", headers=member.headers)
        assert response.status_code == 200 and response.json()["id"] == member.person_id
    assert len(verifications) == 1


def test_a_changed_password_is_refused_at_the_next_check_and_the_new_one_is_verified(
        client, world, verifications, expired_at_once):
    member = member_of(world)
    staff = staff_user(world)
    assert client.get(f"{API}/persons/me", headers=member.headers).status_code == 200
    changed = client.patch(f"{API}/persons/{member.person_id}", json={"password": "a-new-secret"}, headers=staff)
    assert changed.status_code == 200

    assert_problem(client.get(f"{API}/persons/me", headers=member.headers), 401, "unauthorized")
    renewed = {**basic(member.login, "a-new-secret"), "X-Bookable-Tenant": world.tenant.slug}
    assert client.get(f"{API}/persons/me", headers=renewed).status_code == 200
    with world.uow(write=False) as uow:
        stored = uow.people.get(m.Person, member.person_id)
        assert stored is not None
        assert verifications.count(stored.password_hash) == 2  # the new password, and the old one refused


def test_a_removed_member_is_refused_at_the_next_check(client, world, admin, expired_at_once):
    member = member_of(world)
    assert client.get(f"{API}/persons/me", headers=member.headers).status_code == 200
    assert client.delete(f"{API}/persons/{member.person_id}", headers=admin).status_code == 204
    assert_problem(client.get(f"{API}/persons/me", headers=member.headers), 401, "unauthorized")


def test_a_remembered_login_within_its_time_needs_no_read_at_all(client, world, verifications):
    member = member_of(world)
    for _ in range(3):
        assert client.get(f"{API}/persons/me", headers=member.headers).status_code == 200
    assert len(verifications) == 1
