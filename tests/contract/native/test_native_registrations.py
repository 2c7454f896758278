"""Registrations: a person's registration for an offering, and the sessions (slots) it holds."""

from __future__ import annotations

from native_support import API, assert_problem, create_offering, create_person, in_days


def _event(client, staff, spaces=5):
    return create_offering(client, staff, kind="recurring", repeat=5, spaces=spaces, start_date=in_days(2),
                           end_date=in_days(4))


def test_a_registration_is_created_given_sessions_and_loses_one(client, world, staff):
    event = _event(client, staff)
    person = create_person(client, staff)
    response = client.post(f"{API}/registrations", json={"offering_id": event["id"], "person_id": person,
                                                         "code": "R-100", "badge_number": 7}, headers=staff)
    assert response.status_code == 201, response.text
    registration = response.json()
    assert (registration["code"], registration["badge_number"], registration["bookings"]) == ("R-100", 7, [])
    slot_ids = [s["id"] for s in event["slots"]]
    held = client.post(f"{API}/registrations/{registration['id']}/sessions", json={"slot_ids": slot_ids[:2]},
                       headers=staff).json()
    assert sorted(b["slot_id"] for b in held["bookings"]) == slot_ids[:2]
    assert all(b["registration_id"] == registration["id"] for b in held["bookings"])
    left = client.delete(f"{API}/registrations/{registration['id']}/sessions/{slot_ids[0]}", headers=staff).json()
    assert [b["slot_id"] for b in left["bookings"]] == [slot_ids[1]]
    with world.uow(write=False) as uow:
        bookings = uow.bookings.of_person(person, ("confirmed", "cancelled"))
    assert sorted((b.slot_id, b.status) for b in bookings) == [(slot_ids[0], "cancelled"), (slot_ids[1], "confirmed")]
    listed = client.get(f"{API}/registrations", params={"offering_id": event["id"]}, headers=staff).json()["items"]
    assert [r["id"] for r in listed] == [registration["id"]]


def test_a_registration_code_is_unique_per_offering_and_changes_by_patch(client, world, staff, admin):
    event = _event(client, staff)
    person = create_person(client, staff)
    first = client.post(f"{API}/registrations", json={"offering_id": event["id"], "person_id": person,
                                                      "code": "R-1"}, headers=staff).json()
    twice = client.post(f"{API}/registrations", json={"offering_id": event["id"], "person_id": person,
                                                      "code": "R-1"}, headers=staff)
    assert_problem(twice, 422, "invalid_parameter")
    changed = client.patch(f"{API}/registrations/{first['id']}", json={"badge_number": 12}, headers=staff).json()
    assert (changed["code"], changed["badge_number"]) == ("R-1", 12)
    assert_problem(client.post(f"{API}/registrations", json={"offering_id": 999999, "person_id": person,
                                                             "code": "R-2"}, headers=staff), 404, "not_found")
    client.post(f"{API}/registrations/{first['id']}/sessions", json={"slot_ids": [event["slots"][0]["id"]]},
                headers=staff)
    assert_problem(client.delete(f"{API}/registrations/{first['id']}", headers=admin), 409, "invalid_state")
    with world.uow(write=False) as uow:
        assert uow.people.registration(first["id"]).badge_number == 12
    assert_problem(client.post(f"{API}/registrations/{first['id']}/sessions", json={"slot_ids": [999999]},
                               headers=staff), 404, "not_found")


def test_an_unused_registration_is_deleted_by_an_admin(client, world, staff, admin):
    event = _event(client, staff)
    registration = client.post(f"{API}/registrations", json={"offering_id": event["id"], "code": "R-9",
                                                             "person_id": create_person(client, staff)},
                               headers=staff).json()
    assert_problem(client.delete(f"{API}/registrations/{registration['id']}", headers=staff), 403, "forbidden")
    assert client.delete(f"{API}/registrations/{registration['id']}", headers=admin).status_code == 204
    with world.uow(write=False) as uow:
        assert uow.people.registration(registration["id"]) is None
