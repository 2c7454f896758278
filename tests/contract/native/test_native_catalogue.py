"""Business units, resources, product groups, labels and products: CRUD, lists, refusals."""

from __future__ import annotations

import pytest
from native_support import API, assert_problem, create_offering

from bookable.storage import models as m

SIMPLE = [
    ("business-units", m.BusinessUnit, {"name": "Centrum"}, {"name": "Centrum Gym"}),
    ("resources", m.Resource, {"name": "Lena Olsson", "kind": "instructor"}, {"kind": "room", "name": "Sal 1"}),
    ("product-groups", m.ProductGroup, {"name": "Gruppträning"}, {"name": "Aktiviteter"}),
    ("product-labels", m.ProductLabel, {"name": "Spinning"}, {"name": "Medel"}),
]


@pytest.mark.parametrize(("path", "model", "created", "changed"), SIMPLE)
def test_each_catalogue_resource_is_created_read_listed_changed_and_deleted(client, world, admin, path, model,
                                                                             created, changed):
    response = client.post(f"{API}/{path}", json=created, headers=admin)
    assert response.status_code == 201, response.text
    row = response.json()
    assert response.headers["location"] == f"{API}/{path}/{row['id']}"
    assert {key: row[key] for key in created} == created
    assert client.get(f"{API}/{path}/{row['id']}", headers=admin).json() == row
    assert [item["id"] for item in client.get(f"{API}/{path}", headers=admin).json()["items"]] == [row["id"]]
    patched = client.patch(f"{API}/{path}/{row['id']}", json=changed, headers=admin)
    assert patched.status_code == 200 and {key: patched.json()[key] for key in changed} == changed
    with world.uow(write=False) as uow:
        stored = uow.catalog.get(model, row["id"])
        assert all(getattr(stored, key) == value for key, value in changed.items())
    assert client.delete(f"{API}/{path}/{row['id']}", headers=admin).status_code == 204
    assert_problem(client.get(f"{API}/{path}/{row['id']}", headers=admin), 404, "not_found")
    with world.uow(write=False) as uow:
        assert uow.catalog.get(model, row["id"]) is None
        actions = [entry.action for entry in uow.audit.entries() if entry.entity_id == row["id"]]
    entity = path[:-1].replace("-", "_")
    assert actions[-3:] == [f"{entity}.created", f"{entity}.updated", f"{entity}.deleted"]


def test_a_product_carries_labels_a_css_class_a_group_and_a_business_unit(client, world, admin):
    group = client.post(f"{API}/product-groups", json={"name": "Gruppträning"}, headers=admin).json()
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()
    spin, medel = (client.post(f"{API}/product-labels", json={"name": n}, headers=admin).json()
                   for n in ("Spinning", "Medel"))
    body = {"name": "Spinn B45", "description": "Produktbeskrivning", "css_class": "blue", "group_id": group["id"],
            "business_unit_id": unit["id"], "label_ids": [spin["id"], medel["id"]], "bookable_from_internet": True}
    product = client.post(f"{API}/products", json=body, headers=admin).json()
    assert product["group"] == {"id": group["id"], "name": "Gruppträning"}
    assert product["labels"] == [{"id": spin["id"], "name": "Spinning"}, {"id": medel["id"], "name": "Medel"}]
    assert product["css_class"] == "blue" and product["product_type"] == "groupActivity"
    changed = client.patch(f"{API}/products/{product['id']}", json={"label_ids": [medel["id"]]}, headers=admin).json()
    assert changed["label_ids"] == [medel["id"]] and changed["css_class"] == "blue"
    with world.uow(write=False) as uow:
        stored = uow.catalog.get(m.Product, product["id"])
        assert [label.id for label in stored.labels] == [medel["id"]] and stored.group_id == group["id"]
    by_label = client.get(f"{API}/products", params={"label_id": medel["id"]}, headers=admin).json()["items"]
    assert [p["id"] for p in by_label] == [product["id"]]
    assert client.get(f"{API}/products", params={"label_id": spin["id"]}, headers=admin).json()["items"] == []


def test_a_catalogue_row_still_in_use_is_not_deleted(client, world, admin):
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()
    group = client.post(f"{API}/product-groups", json={"name": "Träning"}, headers=admin).json()
    product = client.post(f"{API}/products", json={"name": "Spin", "group_id": group["id"]}, headers=admin).json()
    room = client.post(f"{API}/resources", json={"name": "Sal 1", "business_unit_id": unit["id"]},
                       headers=admin).json()
    create_offering(client, admin, product_id=product["id"], business_unit_id=unit["id"], resource_ids=[room["id"]])
    for path in (f"business-units/{unit['id']}", f"product-groups/{group['id']}", f"products/{product['id']}",
                 f"resources/{room['id']}"):
        problem = assert_problem(client.delete(f"{API}/{path}", headers=admin), 409, "invalid_state")
        assert "still used by" in problem["detail"]
    with world.uow(write=False) as uow:
        assert uow.catalog.get(m.BusinessUnit, unit["id"]) and uow.catalog.get(m.Product, product["id"])


def test_bad_catalogue_fields_are_422_and_unknown_references_404(client, world, admin):
    assert_problem(client.post(f"{API}/business-units", json={"name": ""}, headers=admin), 422, "invalid_parameter")
    assert_problem(client.post(f"{API}/business-units", json={"name": "A", "colour": "red"}, headers=admin),
                   422, "invalid_parameter")
    assert_problem(client.post(f"{API}/products", json={"name": "A", "product_type": "car"}, headers=admin),
                   422, "invalid_parameter")
    assert_problem(client.post(f"{API}/resources", json={"name": "A", "kind": "spaceship"}, headers=admin),
                   422, "invalid_parameter")
    assert_problem(client.patch(f"{API}/business-units/1", json={"name": None}, headers=admin), 404, "not_found")
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()
    problem = assert_problem(client.patch(f"{API}/business-units/{unit['id']}", json={"name": None}, headers=admin),
                             422, "invalid_parameter")
    assert problem["field"] == "name"
    problem = assert_problem(client.post(f"{API}/products", json={"name": "A", "group_id": 999999}, headers=admin),
                             404, "not_found")
    assert problem["field"] == "group_id"
    assert_problem(client.post(f"{API}/products", json={"name": "A", "label_ids": [999999]}, headers=admin),
                   404, "not_found")
    with world.uow(write=False) as uow:
        assert uow.catalog.list(m.Product) == [] and len(uow.catalog.list(m.BusinessUnit)) == 1


def test_a_product_group_cannot_become_its_own_ancestor(client, world, admin):
    top = client.post(f"{API}/product-groups", json={"name": "Top"}, headers=admin).json()
    child = client.post(f"{API}/product-groups", json={"name": "Child", "parent_id": top["id"]}, headers=admin).json()
    response = client.patch(f"{API}/product-groups/{top['id']}", json={"parent_id": child["id"]}, headers=admin)
    assert_problem(response, 422, "invalid_parameter")
    with world.uow(write=False) as uow:
        assert uow.catalog.get(m.ProductGroup, top["id"]).parent_id is None


def test_catalogue_lists_page_by_offset_and_by_cursor(client, world, admin):
    ids = [client.post(f"{API}/product-labels", json={"name": f"L{i}"}, headers=admin).json()["id"] for i in range(5)]
    first = client.get(f"{API}/product-labels", params={"limit": 2}, headers=admin).json()
    assert [row["id"] for row in first["items"]] == ids[:2] and first["next_cursor"]
    second = client.get(f"{API}/product-labels", params={"limit": 2, "cursor": first["next_cursor"]},
                        headers=admin).json()
    assert [row["id"] for row in second["items"]] == ids[2:4]
    by_offset = client.get(f"{API}/product-labels", params={"limit": 10, "offset": 4}, headers=admin).json()
    assert [row["id"] for row in by_offset["items"]] == ids[4:] and by_offset["next_cursor"] is None
    assert_problem(client.get(f"{API}/product-labels", params={"limit": 501}, headers=admin), 422, "invalid_parameter")
    assert_problem(client.get(f"{API}/product-labels", params={"cursor": "garbage!"}, headers=admin),
                   422, "invalid_parameter")
    both = {"cursor": first["next_cursor"], "offset": 1}
    assert_problem(client.get(f"{API}/product-labels", params=both, headers=admin), 422, "invalid_parameter")


def test_members_read_the_catalogue_but_do_not_write_it(client, world, admin, member):
    client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin)
    assert len(client.get(f"{API}/business-units", headers=member.headers).json()["items"]) == 1
    assert_problem(client.post(f"{API}/business-units", json={"name": "X"}, headers=member.headers), 403, "forbidden")
