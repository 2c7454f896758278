"""The audit log, Idempotency-Key replays, and the published OpenAPI document."""

from __future__ import annotations

import uuid

from native_support import API, assert_problem, create_offering, create_person, db_bookings_of
from tests.idempotency_support import still_running


def test_the_audit_log_shows_who_did_what_through_which_api(client, world, admin):
    offering = create_offering(client, admin)
    person = create_person(client, admin)
    booking = client.post(f"{API}/bookings", json={"person_id": person, "slot_id": offering["slots"][0]["id"]},
                          headers=admin).json()
    client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=admin)
    entries = client.get(f"{API}/audit", params={"entity": "booking", "entity_id": booking["id"]},
                         headers=admin).json()["items"]
    assert [e["action"] for e in entries] == ["booking.created", "booking.cancelled"]
    assert all(e["channel"] == "native" and e["actor"] == "apikey:native-tests" for e in entries)
    assert entries[1]["before"]["status"] == "confirmed" and entries[1]["after"]["status"] == "cancelled"
    first = client.get(f"{API}/audit", params={"limit": 1}, headers=admin).json()
    rest = client.get(f"{API}/audit", params={"cursor": first["next_cursor"]}, headers=admin).json()["items"]
    with world.uow(write=False) as uow:
        stored = [entry.id for entry in uow.audit.entries()]
    assert [e["id"] for e in first["items"] + rest] == stored


def test_a_replayed_booking_returns_the_first_response_and_books_once(client, world, admin):
    offering = create_offering(client, admin)
    person = create_person(client, admin)
    body = {"person_id": person, "slot_id": offering["slots"][0]["id"]}
    headers = {**admin, "Idempotency-Key": "book-anna-1"}
    first = client.post(f"{API}/bookings", json=body, headers=headers)
    again = client.post(f"{API}/bookings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert len(db_bookings_of(world, person)) == 1
    fresh = client.post(f"{API}/bookings", json=body, headers={**admin, "Idempotency-Key": "book-anna-2"})
    assert_problem(fresh, 409, "already_booked")
    assert len(db_bookings_of(world, person)) == 1


def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(client, world, admin):
    offering = create_offering(client, admin, spaces=5)
    people = [create_person(client, admin) for _ in range(2)]
    headers = {**admin, "Idempotency-Key": "same-key"}
    slot_id = offering["slots"][0]["id"]
    assert client.post(f"{API}/bookings", json={"person_id": people[0], "slot_id": slot_id},
                       headers=headers).status_code == 201
    other = client.post(f"{API}/bookings", json={"person_id": people[1], "slot_id": slot_id}, headers=headers)
    assert_problem(other, 422, "idempotency_mismatch")
    assert db_bookings_of(world, people[1]) == []


def test_a_replayed_failure_and_a_replayed_cancel_are_replayed_too(client, world, admin):
    offering = create_offering(client, admin, spaces=1)
    slot_id = offering["slots"][0]["id"]
    taken = client.post(f"{API}/bookings", json={"person_id": create_person(client, admin), "slot_id": slot_id},
                        headers=admin).json()
    late = create_person(client, admin)
    headers = {**admin, "Idempotency-Key": "late-1"}
    refused = client.post(f"{API}/bookings", json={"person_id": late, "slot_id": slot_id}, headers=headers)
    assert_problem(refused, 409, "full")
    cancel = {**admin, "Idempotency-Key": "cancel-1"}
    assert client.post(f"{API}/bookings/{taken['id']}/cancel", json={}, headers=cancel).status_code == 200
    replay = client.post(f"{API}/bookings/{taken['id']}/cancel", json={}, headers=cancel)
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert_problem(client.post(f"{API}/bookings", json={"person_id": late, "slot_id": slot_id}, headers=headers),
                   409, "full")
    assert db_bookings_of(world, late) == []


def test_the_openapi_document_and_the_docs_page_are_published(client, world):
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/bookings", "/api/v1/offerings/{offering_id}", "/api/v1/slots/{slot_id}/register",
                 "/api/v1/bookings/{booking_id}/ledger", "/api/v1/audit", "/api/v1/products"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert {"BookingIn", "BookingOut", "OfferingIn", "SlotOut", "LedgerOut", "PersonOut"} <= schemas.keys()
    assert "password" not in schemas["PersonOut"]["properties"]
    assert {"HTTPBasic", "HTTPBearer", "MemberTenant"} <= spec["components"]["securitySchemes"].keys()
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_every_operation_declares_the_problem_json_answers_it_gives(client):
    spec = client.get("/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            writes = {"409", "413"} if method != "get" else set()
            expected = {"400", "401", "403", "404", "422", "429", "503"} | writes
            assert expected <= answers.keys(), (method, path)
            assert all(answers[status]["content"] == {"application/problem+json": {"schema": problem}}
                       for status in expected), (method, path)
            assert "Retry-After" in answers["429"]["headers"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_the_tenant_header_is_documented_only_as_part_of_a_members_basic_login(client):
    spec = client.get("/openapi.json").json()
    requirements = [op["security"] for ops in spec["paths"].values() for op in ops.values()]
    assert all(r == [{"HTTPBasic": []}, {"HTTPBearer": []}, {"HTTPBasic": [], "MemberTenant": []}]
               for r in requirements)
    assert not [p for ops in spec["paths"].values() for op in ops.values() for p in op.get("parameters", [])
                if p["name"].lower() == "x-bookable-tenant"]


def test_an_unknown_path_or_method_under_the_api_is_problem_json(client, world, admin):
    assert_problem(client.get(f"{API}/nothing-here", headers=admin), 404, "not_found")
    assert_problem(client.put(f"{API}/audit", headers=admin), 405, "method_not_allowed")


def test_idempotency_keys_of_members_with_the_same_login_in_two_tenants_never_meet(client, world, other_world):
    from native_support import member_of

    ours = member_of(world, password="shared-pass")
    theirs_id = other_world.person(email=ours.login, password_hash=_hash("shared-pass"))
    theirs = {**ours.headers, "X-Bookable-Tenant": other_world.tenant.slug}
    key = {"Idempotency-Key": "same-key-same-body"}
    mine = client.patch(f"{API}/persons/me", json={"town": "Umeå"}, headers={**ours.headers, **key})
    other = client.patch(f"{API}/persons/me", json={"town": "Umeå"}, headers={**theirs, **key})
    assert mine.status_code == other.status_code == 200
    assert mine.json()["id"] == ours.person_id and other.json()["id"] == theirs_id
    assert "idempotent-replayed" not in other.headers
    with other_world.uow(write=False) as uow:
        assert uow.people.person(theirs_id).town == "Umeå"


def _hash(password):
    from bookable.services.accounts import hash_password

    return hash_password(password)


def test_a_retry_while_the_first_booking_still_runs_is_409_idempotency_in_progress_not_full(client, world, admin):
    offering = create_offering(client, admin, spaces=1, waitlist_enabled=False)
    slot_id = offering["slots"][0]["id"]
    body = {"person_id": create_person(client, admin), "slot_id": slot_id}
    key = f"book-running-{uuid.uuid4()}"
    client.post(f"{API}/bookings", json=body, headers={**admin, "Idempotency-Key": key})
    still_running(world.database, key)

    retry = client.post(f"{API}/bookings", json=body, headers={**admin, "Idempotency-Key": key})
    full = client.post(f"{API}/bookings", json={"person_id": create_person(client, admin), "slot_id": slot_id},
                       headers=admin)

    assert_problem(retry, 409, "idempotency_in_progress")
    assert_problem(full, 409, "full")
