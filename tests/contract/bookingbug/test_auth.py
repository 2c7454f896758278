"""Authentication (spec 001): HTTP Basic staff logins (or Bearer API keys); the company comes from them."""

from __future__ import annotations

import uuid

import pytest
from bookingbug_support import BookingBug, company_state, error_of

from bookable.services import accounts

CALLS = [
    ("GET", "/api/sessions.xml", None),
    ("POST", "/api/sessions.xml?type=event", "<session><group>G</group></session>"),
    ("GET", "/api/sessions/{session}.xml", None),
    ("PUT", "/api/sessions/{session}.xml", "<session><name>Hacked</name></session>"),
    ("DELETE", "/api/sessions/{session}.xml", None),
    ("PUT", "/api/slots/{slot}.xml", "<slot><duration>5</duration></slot>"),
]


def _send(bb: BookingBug, method: str, path: str, body: str | None, **kwargs):
    offering = _offering(bb)
    url = path.format(session=offering[0], slot=offering[1])
    return bb.client.request(
        method, url, content=body, headers={"Content-Type": "text/xml"} | kwargs.pop("headers", {}), **kwargs
    )


def _offering(bb: BookingBug) -> tuple[int, int]:
    offerings = bb.offerings()
    offering = offerings[0] if offerings else bb.world.offering(name="Guarded")
    return offering.id, bb.slots(offering.id)[0].id


def _is_401(response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert error_of(response).get("code") == "unauthorized"


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_every_call_without_credentials_is_401_in_the_bookingbug_envelope(bb: BookingBug, method, path, body):
    _offering(bb)
    before = company_state(bb.world)

    _is_401(_send(bb, method, path, body))

    assert company_state(bb.world) == before


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_every_call_with_a_wrong_password_is_401_and_changes_nothing(bb: BookingBug, method, path, body):
    _offering(bb)
    before = company_state(bb.world)

    _is_401(_send(bb, method, path, body, auth=(bb.auth[0], "wrong-password")))

    assert company_state(bb.world) == before


def test_an_unknown_user_an_unknown_api_key_and_garbled_headers_are_401(bb: BookingBug):
    for headers in (
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic dXNlcm9ubHk="},
        {"Authorization": "Digest abc"},
    ):
        _is_401(bb.client.get("/api/sessions.xml", headers=headers))
    _is_401(bb.client.get("/api/sessions.xml", auth=(f"nobody-{uuid.uuid4().hex[:8]}", "x")))


def test_a_members_login_is_not_a_staff_login(bb: BookingBug):
    bb.world.person(email="member@example.org", password_hash=accounts.hash_password("member-pass"))

    _is_401(bb.client.get("/api/sessions.xml", auth=("member@example.org", "member-pass")))


def test_credentials_are_checked_before_the_body_is_read(bb: BookingBug):
    _is_401(bb.client.post("/api/sessions.xml", content="<session><broken"))


def test_the_company_comes_from_the_credentials(bb: BookingBug):
    response = bb.post("/api/sessions.xml", "<session><group>G</group></session>")

    assert response.status_code == 201
    (offering,) = bb.offerings()
    assert offering.tenant_id == bb.world.tenant.id
