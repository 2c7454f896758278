"""Who may call EventRegistrationSessions: admins (staff users or API keys) of the ClientID's tenant."""

from __future__ import annotations

import uuid

import pytest
from ym_helpers import FORMATS, basic, bearer, decode, key_headers, staff_headers, status_of

from bookable.domain.actors import Role
from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork


def _post(ym, fmt, headers, event, registration):
    body = {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)}
    return ym.send("POST", ym.url(event.id), fmt, body, headers=headers)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("credentials", ["none", "wrong password", "unknown key", "malformed basic"])
def test_callers_without_valid_credentials_get_401_unauthorized_and_nothing_changes(ym, fmt, credentials):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    headers = {"none": {"Authorization": ""}, "wrong password": basic(f"nobody-{uuid.uuid4().hex[:8]}", "wrong-pass"),
               "unknown key": bearer("bk_not-a-key"), "malformed basic": {"Authorization": "Basic !!!"}}[credentials]
    before = ym.snapshot()

    response = _post(ym, fmt, headers, event, registration)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
    assert status_of(decode(fmt, response.content))["ErrorCode"] == "Unauthorized"
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("make_headers", [staff_headers, key_headers], ids=["staff user", "staff api key"])
def test_callers_with_the_staff_role_get_403_forbidden(ym, fmt, make_headers):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    before = ym.snapshot()

    response = _post(ym, fmt, make_headers(ym.world, Role.STAFF), event, registration)

    assert response.status_code == 403
    status = status_of(decode(fmt, response.content))
    assert status["ErrorCode"] == "Forbidden" and "admin, oauthadmin" in status["Message"]
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_admin_api_key_stands_for_oauthadmin(ym, fmt):
    event = ym.event(sessions=1)
    registration = ym.registration(event)

    response = _post(ym, fmt, key_headers(ym.world, Role.ADMIN), event, registration)

    assert response.status_code == 200
    assert ym.held(registration) == {ym.session_ids(event)[0]: "confirmed"}


def _other_tenant_admin(database) -> dict[str, str]:
    with UnitOfWork(database, 0) as uow:
        tenant = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:10]}", client_id=uuid.uuid4().int % 2_000_000_000)
        username = f"other-{uuid.uuid4().hex[:8]}"
        accounts.add_user(uow, tenant, username, "correct-horse", Role.ADMIN)
        uow.commit()
    return basic(username, "correct-horse")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_admin_of_another_client_is_told_the_client_does_not_exist(ym, database, fmt):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    outsider = _other_tenant_admin(database)
    unknown_client = (ym.client_id + 1) % 2_000_000_000
    before = ym.snapshot()

    foreign = _post(ym, fmt, outsider, event, registration)
    missing = ym.send("POST", ym.url(event.id, client_id=unknown_client), fmt,
                      {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)}, headers=outsider)

    assert foreign.status_code == missing.status_code == 404
    foreign_status, missing_status = (status_of(decode(fmt, r.content)) for r in (foreign, missing))
    assert foreign_status["ErrorCode"] == missing_status["ErrorCode"] == "NotFound"
    assert foreign_status["Message"].replace(str(ym.client_id), "N") == \
        missing_status["Message"].replace(str(unknown_client), "N")
    assert ym.snapshot() == before
