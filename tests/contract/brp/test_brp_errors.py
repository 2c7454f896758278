"""The BRP error envelope: apikeys, languages, parameter rules, routing errors, both formats."""

from __future__ import annotations

import pytest
from brp_support import FORMATS, add_api_key, error_of, other_tenant

from bookable.services import accounts
from bookable.storage.unit_of_work import UnitOfWork

RESOURCES = ("activities", "products", "productgroups", "events", "bookings", "persons/1")


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_call_needs_an_apikey(brp, resource, fmt):
    response = brp.get(resource, fmt, apikey=None)
    assert response.status_code == 401
    assert error_of(response) == {"code": "1011", "message": "Parametern apikey saknas", "debug": "field=apikey"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_apikey_is_refused(brp, fmt):
    response = brp.get("activities", fmt, apikey="bk_not-a-key")
    assert response.status_code == 401
    assert error_of(response)["code"] == "1012"


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_tenants_apikey_is_refused_even_for_its_own_data(brp, database, fmt):
    other = other_tenant(database)
    with UnitOfWork(database, other.tenant.id) as uow:
        _, foreign_key = accounts.add_api_key(uow, other.tenant, "foreign")
        uow.commit()
    response = brp.get("activities", fmt, apikey=foreign_key)
    assert response.status_code == 403
    assert error_of(response)["code"] == "1013"
    booking = brp.post("bookings", fmt, apikey=foreign_key, form={"type": "ordinary", "activityid": "1"})
    assert booking.status_code == 403
    unknown_tenant = brp.get("activities", fmt, tenant="no-such-tenant")
    assert unknown_tenant.status_code == 403 and error_of(unknown_tenant)["code"] == "1013"


def test_a_second_apikey_of_the_same_tenant_works(brp):
    assert brp.get("activities", apikey=add_api_key(brp.world), member=False).status_code == 200


def test_the_apikey_may_also_come_as_a_header(brp):
    brp.headers = {"apikey": brp.apikey}
    assert brp.get("activities", apikey=None, member=False).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_lang_picks_the_language_of_messages(brp, fmt):
    assert error_of(brp.get("activities", fmt, fromdate="x"))["message"] == "Felaktig parameter, fromdate"
    assert error_of(brp.get("activities", fmt, fromdate="x", lang="sv"))["message"] == "Felaktig parameter, fromdate"
    assert error_of(brp.get("activities", fmt, fromdate="x", lang="en"))["message"] == "Invalid parameter, fromdate"
    assert error_of(brp.get("activities", fmt, apikey=None, lang="en"))["message"] == "The apikey parameter is missing"
    bad = brp.get("activities", fmt, lang="de")
    assert bad.status_code == 400 and error_of(bad)["debug"] == "field=lang"


def test_the_xml_envelope_is_exactly_the_specs(brp):
    response = brp.get("activities", productgroup="fisrt")
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content == (
        b"<?xml version='1.0' encoding='UTF-8'?>\n<errors><error><code>1001</code>"
        b"<message>Felaktig parameter, productgroup</message><debug>field=productgroup</debug></error></errors>")


def test_the_json_envelope_mirrors_it_with_typed_codes(brp):
    response = brp.get("activities", "json", fromdate="2012-12-32")
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert response.json() == {"errors": [{"code": 1001, "message": "Felaktig parameter, fromdate",
                                           "debug": "field=fromdate"}]}


@pytest.mark.parametrize(("name", "value"), [
    ("fromdate", "2012-12-32"), ("fromdate", "24/12/2012"), ("todate", "2012-02-30"), ("todate", ""),
    ("product", "1,2,"), ("product", "1;2"), ("businessunit", "x"), ("businessunit", "99999999999"),
    ("productlabel", " 1"), ("productgroup", "1,2"), ("bookablefrominternet", "TRUE"),
    ("includebooking", "1"),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_activity_parameters_are_refused(brp, name, value, fmt):
    response = brp.get("activities", fmt, member=False, **{name: value})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["debug"]) == ("1001", f"field={name}")


def test_todate_before_fromdate_or_more_than_366_days_after_it_is_refused(brp):
    before = brp.get("activities", member=False, fromdate="2027-01-10", todate="2027-01-09")
    assert error_of(before)["debug"] == "field=todate"
    far = brp.get("activities", member=False, fromdate="2027-01-01", todate="2028-01-03")
    assert far.status_code == 400 and error_of(far)["debug"] == "field=todate"


def test_a_parameter_given_twice_is_refused(brp):
    url = brp.url("activities") + f"?apikey={brp.apikey}&product=1&product=2"
    response = brp.client.get(url)
    assert response.status_code == 400 and error_of(response)["debug"] == "field=product"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_resources_and_methods_answer_in_the_envelope(brp, fmt):
    unknown = brp.get("purchases", fmt)
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "1030"
    wrong_method = brp.call("PUT", "activities", fmt)
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "1040"


def test_a_body_that_is_not_form_encoded_is_refused(brp):
    response = brp.client.post(brp.url("bookings", "json"), params={"apikey": brp.apikey},
                               content=b'{"type": "ordinary"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 415 and response.json()["errors"][0]["code"] == 1005


def test_an_oversized_body_is_refused_in_the_envelope(brp):
    response = brp.client.post(brp.url("bookings", "json"), params={"apikey": brp.apikey},
                               content=b"type=" + b"x" * 1_100_000,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == 1004


def test_an_idempotency_key_reused_for_another_request_is_refused_in_the_envelope(brp):
    brp.headers = {"Idempotency-Key": "brp-same-key"}
    brp.post("bookings", "json", form={"type": "ordinary", "activityid": "987654"})
    response = brp.post("bookings", "json", form={"type": "ordinary", "activityid": "987655"}, lang="en")
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"code": 1051, "message": "Idempotency-Key was used for another request",
                                            "debug": "field=Idempotency-Key"}


def test_every_failure_renders_in_the_envelope_with_its_own_status():
    from starlette.requests import Request

    from bookable.api.dialects.brp.errors import render_failure
    from bookable.api.errors import Failure

    request = Request({"type": "http", "method": "GET", "path": "/t/api/ver2/activities.json", "query_string": b"",
                       "headers": []})
    busy = render_failure(request, Failure(503, "unavailable", "busy"))
    assert busy.status_code == 503 and b'"code":9001' in busy.body
    unknown_4xx = render_failure(request, Failure(418, "something_new", "new"))
    assert unknown_4xx.status_code == 418 and b'"code":1001' in unknown_4xx.body
    unknown_5xx = render_failure(None, Failure(502, "something_else", "new"))
    assert unknown_5xx.status_code == 502 and b"<code>9999</code>" in unknown_5xx.body
