"""The booking endpoints run on DirectRoute (ADR 0013), without FastAPI's dependency solver. A
client must not be able to tell: every bad request gets the answer FastAPI's own handler gives it,
in FastAPI's order (unparseable JSON, then the credential, then the body's content), and books
nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from native_support import API, assert_problem, basic, create_offering, create_person, db_bookings_of

from bookable.api import direct_route
from bookable.api.api_routes import documented_routes
from bookable.api.app import create_app

JSON = {"Content-Type": "application/json"}
BAD_REQUESTS: dict[str, tuple[bytes, dict[str, str], bool]] = {
    # name: (body, headers, with the staff credential)
    "unparseable JSON, no credential": (b'{"slot_id": ', JSON, False),
    "unparseable JSON": (b'{"slot_id": ', JSON, True),
    "a valid body, no credential": (b'{"slot_id": SLOT, "person_id": PERSON}', JSON, False),
    "a bad body, no credential": (b'{"slot_id": "x"}', JSON, False),
    "a bad body, a wrong password": (b'{"slot_id": "x"}', {**JSON, **basic(f"nobody-{uuid.uuid4().hex[:8]}", "wrong")},
                                     False),
    "a field of the wrong type": (b'{"slot_id": "x", "person_id": PERSON}', JSON, True),
    "an unknown field": (b'{"slot_id": SLOT, "person_id": PERSON, "colour": "red"}', JSON, True),
    "both targets": (b'{"slot_id": SLOT, "offering_id": 1, "person_id": PERSON}', JSON, True),
    "a JSON array": (b"[1, 2]", JSON, True),
    "an empty body": (b"", JSON, True),
    "no content type": (b'{"slot_id": SLOT, "person_id": PERSON}', {}, True),
    "a text content type": (b'{"slot_id": SLOT, "person_id": PERSON}', {"Content-Type": "text/plain"}, True),
    "a JSON content type with parameters": (b'{"slot_id": "x"}', {"Content-Type": "application/json; charset=utf-8"},
                                            True),
    "a +json content type": (b'{"places": 0, "slot_id": SLOT, "person_id": PERSON}',
                             {"Content-Type": "application/problem+json"}, True),
    "a NUL in the query": (b'{"slot_id": SLOT, "person_id": PERSON}', JSON, True),
}


@pytest.fixture(scope="module")
def solver_app(database: Any) -> Any:
    """The same application with every route on FastAPI's own handler."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(direct_route, "is_direct", lambda dependant: False)
        return create_app(database, roll_horizons=False)


def test_the_booking_endpoints_run_direct(app: Any) -> None:
    direct = {(route.path, *sorted(route.methods)) for route in documented_routes(app.routes)
              if isinstance(route, APIRoute) and direct_route.is_direct(route.dependant)}
    assert {(f"{API}/bookings", "POST"), (f"{API}/bookings/waiting-list", "POST"),
            ("/{tenant}/api/ver2/bookings.xml", "POST")} <= direct
    assert (f"{API}/bookings", "GET") not in direct  # query parameters: FastAPI's solver


@pytest.mark.parametrize("case", BAD_REQUESTS)
@pytest.mark.parametrize("path", ["/bookings", "/bookings/waiting-list"])
def test_a_bad_booking_request_is_answered_as_fastapi_answers_it(client, solver_app, world, staff, case, path):
    offering = create_offering(client, staff)
    person = create_person(client, staff)
    body, headers, with_staff = BAD_REQUESTS[case]
    body = body.replace(b"SLOT", str(offering["slots"][0]["id"]).encode()).replace(b"PERSON", str(person).encode())
    headers = {**headers, **(staff if with_staff else {})}
    query = "?note=%00" if "NUL" in case else ""
    with TestClient(solver_app) as solver:
        expected = solver.post(f"{API}{path}{query}", content=body, headers=headers)
    answered = client.post(f"{API}{path}{query}", content=body, headers=headers)
    assert expected.status_code in (401, 422), expected.text
    assert (answered.status_code, answered.json()) == (expected.status_code, expected.json())
    assert answered.headers["content-type"] == expected.headers["content-type"]
    assert db_bookings_of(world, person) == []


def test_the_credential_is_checked_before_the_body_content(client, world, staff):
    response = client.post(f"{API}/bookings", json={"slot_id": "not a number"},
                           headers=basic(f"nobody-{uuid.uuid4().hex[:8]}", "wrong"))
    assert_problem(response, 401, "unauthorized")
    response = client.post(f"{API}/bookings", json={"slot_id": "not a number"}, headers=staff)
    assert "slot_id" in assert_problem(response, 422, "invalid_parameter")["detail"]
