"""Who may call what: 401 without credentials, roles, members, and tenants that never meet."""

from __future__ import annotations

import uuid

from native_support import (
    API,
    api_key,
    assert_problem,
    basic,
    book,
    create_offering,
    create_person,
    member_of,
    staff_user,
)

from bookable.domain.actors import Role
from bookable.storage import models as m


def test_a_call_without_credentials_is_refused_with_401_and_a_basic_challenge(client, world):
    response = client.get(f"{API}/offerings")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_a_wrong_api_key_or_password_is_401_and_changes_nothing(client, world):
    assert_problem(client.get(f"{API}/slots", headers={"Authorization": "Bearer bk_nope"}), 401, "unauthorized")
    nobody = basic(f"nobody-{uuid.uuid4().hex[:8]}", "wrong-password")
    response = client.post(f"{API}/business-units", json={"name": "X"}, headers=nobody)
    assert_problem(response, 401, "unauthorized")
    with world.uow(write=False) as uow:
        assert uow.catalog.list(m.BusinessUnit) == []


def test_staff_log_in_with_basic_and_admins_with_an_api_key(client, world, staff, admin):
    assert client.get(f"{API}/offerings", headers=staff).status_code == 200
    assert client.get(f"{API}/offerings", headers=admin).status_code == 200


def test_only_admins_delete_offerings_read_the_audit_log_and_write_the_catalogue(client, world, staff, admin):
    offering = create_offering(client, staff)
    assert_problem(client.delete(f"{API}/offerings/{offering['id']}", headers=staff), 403, "forbidden")
    assert_problem(client.get(f"{API}/audit", headers=staff), 403, "forbidden")
    assert_problem(client.post(f"{API}/products", json={"name": "Spin"}, headers=staff), 403, "forbidden")
    staff_key = staff_user(world, role=Role.STAFF)
    assert_problem(client.delete(f"{API}/offerings/{offering['id']}", headers=staff_key), 403, "forbidden")
    with world.uow(write=False) as uow:
        assert uow.offerings.offering(offering["id"]) is not None
    assert client.delete(f"{API}/offerings/{offering['id']}", headers=admin).status_code == 204


def test_a_member_logs_in_with_email_card_or_customer_number_and_names_the_tenant_in_a_header(client, world):
    member = member_of(world, card_number="C-1001", customer_number="K-77")
    for login in (member.login, "C-1001", "K-77"):
        headers = {**basic(login, member.password), "X-Bookable-Tenant": world.tenant.slug}
        response = client.get(f"{API}/persons/me", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == member.person_id


def test_a_member_without_the_tenant_header_or_with_an_unknown_tenant_is_401(client, world, member):
    assert_problem(client.get(f"{API}/bookings", headers=basic(member.login, member.password)), 401, "unauthorized")
    headers = {**basic(member.login, member.password), "X-Bookable-Tenant": "no-such-tenant"}
    assert_problem(client.get(f"{API}/bookings", headers=headers), 401, "unauthorized")


def test_a_member_of_one_tenant_cannot_log_in_to_another(client, world, other_world, member):
    headers = {**basic(member.login, member.password), "X-Bookable-Tenant": other_world.tenant.slug}
    assert_problem(client.get(f"{API}/bookings", headers=headers), 401, "unauthorized")


def test_members_cannot_use_staff_calls(client, world, member, admin):
    offering = create_offering(client, admin)
    assert_problem(client.get(f"{API}/persons", headers=member.headers), 403, "forbidden")
    assert_problem(client.post(f"{API}/offerings", json={"kind": "event"}, headers=member.headers), 403, "forbidden")
    slot_id = offering["slots"][0]["id"]
    assert_problem(client.get(f"{API}/slots/{slot_id}/register", headers=member.headers), 403, "forbidden")
    assert_problem(client.get(f"{API}/audit", headers=member.headers), 403, "forbidden")


def test_another_tenants_ids_are_404_never_403_and_nothing_changes(client, world, other_world, admin):
    theirs = api_key(other_world)
    offering = create_offering(client, theirs)
    slot_id = offering["slots"][0]["id"]
    person_id = create_person(client, theirs)
    booking = book(client, theirs, person_id=person_id, slot_id=slot_id).json()
    unit = client.post(f"{API}/business-units", json={"name": "Theirs"}, headers=theirs).json()
    for path in (f"offerings/{offering['id']}", f"slots/{slot_id}", f"persons/{person_id}",
                 f"bookings/{booking['id']}", f"bookings/{booking['id']}/ledger", f"business-units/{unit['id']}"):
        assert_problem(client.get(f"{API}/{path}", headers=admin), 404, "not_found")
    assert_problem(client.post(f"{API}/bookings/{booking['id']}/cancel", json={}, headers=admin), 404, "not_found")
    assert_problem(client.delete(f"{API}/offerings/{offering['id']}", headers=admin), 404, "not_found")
    assert_problem(client.patch(f"{API}/slots/{slot_id}", json={"spaces": 9}, headers=admin), 404, "not_found")
    mine = create_person(client, admin)
    assert_problem(book(client, admin, person_id=mine, slot_id=slot_id), 404, "not_found")
    assert client.get(f"{API}/slots", headers=admin).json()["items"] == []
    with other_world.uow(write=False) as uow:
        assert uow.bookings.booking(booking["id"]).status == "confirmed"
        assert uow.offerings.slot(slot_id).spaces == 5
        assert uow.offerings.offering(offering["id"]) is not None


def test_nul_characters_in_a_body_a_query_or_credentials_are_refused_not_a_500(client, world, admin):
    from bookable.storage import models as m

    assert_problem(client.post(f"{API}/persons", json={"first_name": "a\u0000b"}, headers=admin),
                   422, "invalid_parameter")
    assert_problem(client.post(f"{API}/products", json={"name": "Spin", "label_ids": [1], "css_class": "\u0000"},
                               headers=admin), 422, "invalid_parameter")
    assert_problem(client.get(f"{API}/persons", params={"email": "a\x00b"}, headers=admin), 422, "invalid_parameter")
    assert_problem(client.get(f"{API}/slots", headers=basic("a\x00b", "pw")), 401, "unauthorized")
    member = {**basic("a\x00b@example.org", "pw"), "X-Bookable-Tenant": world.tenant.slug}
    assert_problem(client.get(f"{API}/slots", headers=member), 401, "unauthorized")
    with world.uow(write=False) as uow:
        assert uow.catalog.list(m.Person) == [] and uow.catalog.list(m.Product) == []
