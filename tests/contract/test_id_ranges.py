"""Ids beyond what an id column holds (int64 on SQLite, int32 on PostgreSQL), in paths, filters and
bodies of every API: a 4xx in the API's own envelope (404 for an id that cannot exist, 422 for a
field), never a 500, on either database."""

from __future__ import annotations

import base64
import json

import pytest
from tests.conftest import add_api_key, add_member, add_staff

HUGE = [2**31, 2**63, 10**30]
NATIVE_PATHS = ["bookings/{}", "bookings/{}/ledger", "slots/{}", "slots/{}/register", "offerings/{}", "persons/{}",
                "registrations/{}", "business-units/{}", "resources/{}", "product-groups/{}", "product-labels/{}",
                "products/{}"]


@pytest.fixture
def key(world):
    return {"Authorization": f"Bearer {add_api_key(world)}"}


@pytest.mark.parametrize("path", NATIVE_PATHS)
@pytest.mark.parametrize("huge", HUGE)
def test_a_native_path_id_that_cannot_exist_is_404(client, key, path, huge):
    response = client.get("/api/v1/" + path.format(huge), headers=key)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("huge", HUGE)
def test_a_native_mutation_on_an_id_that_cannot_exist_is_404(client, key, huge):
    assert client.post(f"/api/v1/bookings/{huge}/cancel", json={}, headers=key).status_code == 404
    assert client.patch(f"/api/v1/slots/{huge}", json={"spaces": 3}, headers=key).status_code == 404
    assert client.delete(f"/api/v1/registrations/1/sessions/{huge}", headers=key).status_code == 404


@pytest.mark.parametrize(("resource", "name"), [("bookings", "slot_id"), ("bookings", "person_id"),
                                                ("slots", "offering_id"), ("offerings", "business_unit_id"),
                                                ("products", "label_id"), ("registrations", "person_id"),
                                                ("audit", "entity_id")])
@pytest.mark.parametrize("huge", HUGE)
def test_a_native_list_filter_out_of_range_is_422_naming_it(client, key, resource, name, huge):
    response = client.get(f"/api/v1/{resource}", params={name: huge}, headers=key)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_parameter" and response.json()["field"].startswith(name)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("bookings", {"slot_id": 2**31, "person_id": 1}, "slot_id"),
    ("bookings", {"slot_id": 1, "person_id": 2**63}, "person_id"),
    ("registrations", {"offering_id": 10**30, "person_id": 1, "code": "R-1"}, "offering_id"),
    ("products", {"name": "P", "label_ids": [1, 2**31]}, "label_ids"),
    ("offerings", {"kind": "event", "group": "G", "resource_ids": [2**63]}, "resource_ids"),
])
def test_a_native_body_id_out_of_range_is_422_naming_the_field(client, key, path, body, field):
    response = client.post(f"/api/v1/{path}", json=body, headers=key)
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field)


@pytest.mark.parametrize("huge", HUGE)
def test_a_forged_cursor_holding_a_huge_id_is_422(client, key, huge):
    cursor = base64.urlsafe_b64encode(json.dumps([huge]).encode()).decode().rstrip("=")
    response = client.get("/api/v1/persons", params={"cursor": cursor}, headers=key)
    assert response.status_code == 422 and response.json()["field"] == "cursor"


@pytest.mark.parametrize("huge", HUGE)
def test_views_and_bookingbug_ids_that_cannot_exist_are_404_in_their_envelopes(client, world, huge):
    staff = add_staff(world)
    views = client.get(f"/api/restful/work/sessiongroups/sessions/{huge}/participants", auth=staff)
    register = client.put("/api/restful/work/sessiongroups/sessions/1/participants", auth=staff,
                          content=f"<participant><ContactID>{huge}</ContactID></participant>",
                          headers={"Content-Type": "text/xml"})
    bookingbug = client.get(f"/api/sessions/{huge}.xml", auth=staff)
    assert [views.status_code, register.status_code, bookingbug.status_code] == [404, 404, 404]
    assert all(r.headers["content-type"].startswith("text/xml") for r in (views, register, bookingbug))


@pytest.mark.parametrize("huge", HUGE)
def test_brp_and_ym_ids_out_of_range_are_4xx_in_their_envelopes(client, world, huge):
    apikey = add_api_key(world)
    _, login, password = add_member(world)
    base = f"/{world.tenant.slug}/api/ver2"
    book = client.post(f"{base}/bookings.json", params={"apikey": apikey}, auth=(login, password),
                       data={"type": "ordinary", "activityid": str(huge)})
    listed = client.get(f"{base}/activities.json", params={"apikey": apikey, "product": str(huge)})
    cancel = client.delete(f"{base}/bookings/{huge}.json", params={"apikey": apikey, "type": "ordinary"},
                           auth=(login, password))
    ym = client.post(f"/Ams/{world.tenant.client_id}/Event/{huge}/EventRegistrationSessions.json",
                     headers={"Authorization": f"Bearer {apikey}"}, json={"RegistrationID": "R", "SessionIds": [1]})
    assert [book.json()["errors"][0]["code"], listed.json()["errors"][0]["code"]] == [1001, 1001]
    assert cancel.status_code == 400 and cancel.json()["errors"][0]["debug"] == "field=id"
    assert ym.status_code == 400 and ym.json()["ResponseStatus"]["Errors"][0]["FieldName"] == "EventID"
