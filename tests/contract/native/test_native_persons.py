"""Persons: staff manage everyone; a member reads and changes only their own record; passwords are
set through the API and never shown."""

from __future__ import annotations

from native_support import API, assert_problem, basic, book, create_offering, create_person

from bookable.services.accounts import verify_password
from bookable.storage import models as m


def test_staff_create_read_list_change_and_admins_delete_a_person(client, world, staff, admin):
    body = {"first_name": "Tessan", "last_name": "Testsson", "email": "tessan@test.se", "street_address":
            "Testgatan 14", "postcode": "12345", "town": "Teststa", "gender": "female", "card_number": "C-9",
            "mobile_phone": "070 123 12"}
    response = client.post(f"{API}/persons", json=body, headers=staff)
    assert response.status_code == 201, response.text
    person = response.json()
    assert {key: person[key] for key in body} == body and person["has_password"] is False
    assert client.get(f"{API}/persons/{person['id']}", headers=staff).json() == person
    found = client.get(f"{API}/persons", params={"card_number": "C-9"}, headers=staff).json()["items"]
    assert [p["id"] for p in found] == [person["id"]]
    changed = client.patch(f"{API}/persons/{person['id']}", json={"town": "Umeå"}, headers=staff).json()
    assert changed["town"] == "Umeå" and changed["email"] == "tessan@test.se"
    assert_problem(client.delete(f"{API}/persons/{person['id']}", headers=staff), 403, "forbidden")
    assert client.delete(f"{API}/persons/{person['id']}", headers=admin).status_code == 204
    with world.uow(write=False) as uow:
        assert uow.people.person(person["id"]) is None


def test_a_password_set_through_the_api_lets_the_member_log_in_and_is_never_returned(client, world, staff):
    response = client.post(f"{API}/persons", json={"first_name": "Mia", "email": "mia@example.org",
                                                   "password": "first-secret"}, headers=staff)
    person = response.json()
    assert not {"password", "password_hash"} & person.keys() and "first-secret" not in response.text
    assert person["has_password"]
    headers = {**basic("mia@example.org", "first-secret"), "X-Bookable-Tenant": world.tenant.slug}
    me = client.get(f"{API}/persons/me", headers=headers)
    assert me.status_code == 200 and me.json()["id"] == person["id"] and "secret" not in me.text
    client.patch(f"{API}/persons/{person['id']}", json={"password": "second-secret"}, headers=staff)
    with world.uow(write=False) as uow:
        stored = uow.people.person(person["id"])
        assert verify_password(stored.password_hash, "second-secret") and "second-secret" not in stored.password_hash
        entries = [e for e in uow.audit.entries(entity="person") if e.action == "person.password_set"]
    assert len(entries) == 2 and all("secret" not in str(e.after) for e in entries)
    new = {**basic("mia@example.org", "second-secret"), "X-Bookable-Tenant": world.tenant.slug}
    assert client.get(f"{API}/persons/me", headers=new).status_code == 200
    assert_problem(client.patch(f"{API}/persons/{person['id']}", json={"password": "short"}, headers=staff),
                   422, "invalid_parameter")


def test_a_member_logs_in_with_their_email_in_any_case(client, world, member):
    headers = {**basic(member.login.upper(), member.password), "X-Bookable-Tenant": world.tenant.slug}
    me = client.get(f"{API}/persons/me", headers=headers)
    assert me.status_code == 200 and me.json()["id"] == member.person_id


def test_a_member_reads_and_changes_only_their_own_record(client, world, staff, member):
    other = create_person(client, staff, first_name="Other")
    assert client.get(f"{API}/persons/{member.person_id}", headers=member.headers).status_code == 200
    assert_problem(client.get(f"{API}/persons/{other}", headers=member.headers), 403, "not_allowed")
    assert_problem(client.patch(f"{API}/persons/{other}", json={"town": "X"}, headers=member.headers),
                   403, "not_allowed")
    assert client.patch(f"{API}/persons/me", json={"mobile_phone": "070 1"}, headers=member.headers).status_code == 200
    assert_problem(client.patch(f"{API}/persons/me", json={"card_number": "C-1"}, headers=member.headers),
                   403, "not_allowed")
    with world.uow(write=False) as uow:
        assert uow.people.person(member.person_id).mobile_phone == "070 1"
        assert uow.people.person(member.person_id).card_number is None
        assert uow.people.person(other).town == ""
    assert_problem(client.get(f"{API}/persons/me", headers=staff), 403, "forbidden")


def test_logins_are_unique_in_a_tenant_and_bad_fields_are_422(client, world, staff):
    create_person(client, staff, email="taken@example.org", customer_number="K-1")
    for body in ({"email": "taken@example.org"}, {"email": "Taken@Example.ORG"}, {"customer_number": "K-1"},
                 {"email": "not-an-address"},
                 {"gender": "robot"}, {"first_name": None}, {"first_name": "x" * 101}, {"shoe_size": 44}):
        assert_problem(client.post(f"{API}/persons", json=body, headers=staff), 422, "invalid_parameter")
    with world.uow(write=False) as uow:
        assert len(uow.catalog.list(m.Person)) == 1


def test_a_person_with_bookings_is_not_deleted(client, world, admin):
    offering = create_offering(client, admin)
    person = create_person(client, admin)
    book(client, admin, person_id=person, slot_id=offering["slots"][0]["id"])
    assert_problem(client.delete(f"{API}/persons/{person}", headers=admin), 409, "invalid_state")
    with world.uow(write=False) as uow:
        assert uow.people.person(person) is not None
