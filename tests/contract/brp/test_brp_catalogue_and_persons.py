"""GET products, GET productgroups and GET persons/{id}."""

from __future__ import annotations

import pytest
from brp_support import FORMATS, add_member, document, error_of

from bookable.storage import models as m


def listed(brp, resource, fmt="xml", **params):
    response = brp.get(resource, fmt, member=False, **params)
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == resource
    return content


@pytest.mark.parametrize("fmt", FORMATS)
def test_products_carry_the_recurring_product_block(brp, fmt):
    c = brp.catalogue
    products = listed(brp, "products", fmt)
    assert [p["name"] for p in products] == ["Simskola", "Spinn B45", "Spinntour"]
    assert products[1] == {
        "id": str(c.spinn), "description": "Produktbeskrivning", "name": "Spinn B45", "bookablefrominternet": "true",
        "productlabels": [{"id": str(c.spinning), "name": "Spinning"}, {"id": str(c.level), "name": "Medel"}],
        "cssclass": "blue", "group": {"id": str(c.training), "name": "Gruppträning"},
    }
    assert products[0]["group"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_product_filters(brp, fmt):
    c = brp.catalogue

    def names(**params):
        return [p["name"] for p in listed(brp, "products", fmt, **params)]

    assert names(producttype="groupActivity") == ["Spinn B45"]
    assert names(producttype="event") == ["Simskola", "Spinntour"]
    assert names(bookablefrominternet="false") == ["Simskola", "Spinn B45", "Spinntour", "Yoga"]
    assert names(businessunit=c.norr, bookablefrominternet="false") == ["Simskola", "Spinntour", "Yoga"]
    assert names(businessunit=c.centrum) == ["Simskola", "Spinn B45", "Spinntour"]
    bad = brp.get("products", fmt, member=False, producttype="groupactivity")
    assert bad.status_code == 400 and error_of(bad)["debug"] == "field=producttype"


@pytest.mark.parametrize("fmt", FORMATS)
def test_product_groups_all_or_those_for_grouping(brp, fmt):
    c, world = brp.catalogue, brp.world
    groups = listed(brp, "productgroups", fmt)
    assert groups == [{"id": str(c.grouping), "name": "Aktiviteter"}, {"id": str(c.dance), "name": "Dans"},
                      {"id": str(c.training), "name": "Gruppträning"}]
    for_grouping = listed(brp, "productgroups", fmt, forgrouping="true")
    assert [g["name"] for g in for_grouping] == ["Dans", "Gruppträning"]
    with world.uow() as uow:
        uow.session.get(m.BusinessUnit, c.norr).grouping_product_group_id = c.training
        uow.commit()
    assert listed(brp, "productgroups", fmt, forgrouping="true", businessunit=c.norr) == []
    assert [g["name"] for g in listed(brp, "productgroups", fmt, forgrouping="true", businessunit=c.centrum)] == [
        "Dans", "Gruppträning"]


def test_product_group_parameters_are_checked(brp):
    c = brp.catalogue
    without = brp.get("productgroups", member=False, businessunit=c.centrum)
    assert without.status_code == 400 and error_of(without)["debug"] == "field=businessunit"
    unknown = brp.get("productgroups", member=False, forgrouping="true", businessunit=987654)
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "1030"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_member_reads_their_own_person_record(brp, fmt):
    response = brp.get(f"persons/{brp.member_id}", fmt)
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == "person"
    assert content == {
        "id": str(brp.member_id), "firstname": "Tessan", "lastname": "Testsson",
        "mailaddress": {"streetaddress": "Testgatan 14", "postalcode": "12345", "city": "Teststa"},
        "email": brp.login, "gender": "female", "personnumber": "850101-1234", "homephone": "012 123 12",
        "mobilephone": "070 123 12", "workphone": "08 123 12",
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_anyone_elses_person_record_is_refused(brp, fmt):
    other_id, _, _ = add_member(brp.world, "Bo", "Berg")
    for person_id in (other_id, 987654321):
        response = brp.get(f"persons/{person_id}", fmt)
        assert response.status_code == 403
        assert error_of(response)["code"] == "1020"
    assert brp.get(f"persons/{brp.member_id}", fmt, member=False).status_code == 401
    bad = brp.get("persons/me", fmt)
    assert bad.status_code == 400 and error_of(bad)["debug"] == "field=id"
    extra = brp.get(f"persons/{brp.member_id}", fmt, fields="all")
    assert extra.status_code == 200  # an unknown parameter is ignored


def test_control_characters_that_xml_cannot_carry_are_dropped_not_a_500(brp):
    with brp.world.uow() as uow:
        uow.session.get(m.Product, brp.catalogue.spinn).description = "Rad\x01ett\x0b"
        uow.commit()
    response = brp.get("products", member=False)
    assert response.status_code == 200
    assert [p["description"] for p in document(response)[1] if p["name"] == "Spinn B45"] == ["Radett"]
    products = brp.get("products", "json", member=False).json()["products"]
    assert [p["description"] for p in products if p["name"] == "Spinn B45"] == ["Rad\x01ett\x0b"]
