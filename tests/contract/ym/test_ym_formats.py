"""Format negotiation, the spec's own JSV samples, and the DataContract XML shape."""

from __future__ import annotations

import pytest
from lxml import etree
from tests.ym_spec_samples import SPEC_REQUEST_BODY
from ym_helpers import CONTENT_TYPES, FORMATS, decode, encode, field_names, status_of

from bookable.api.dialects.ym import jsv

SPEC_RESPONSE_MEMBERS = {"ClientID", "EventID", "RegistrationID", "BadgeNumber", "Sessions", "ResponseStatus",
                         "BypassCache", "DateCached", "Device"}
JSV_HEADERS = {"Accept": "text/jsv", "Content-Type": "text/jsv"}
XML_NAMESPACE = "{http://schemas.datacontract.org/2004/07/YM.Api.Models}"
SERVICESTACK_NAMESPACE = "{http://schemas.servicestack.net/types}"


def _spec_sample(registration_code: str, session_id: int, *, event_id: int = 0, client_id: int = 0,
                 badge: int = 0) -> str:
    return (SPEC_REQUEST_BODY
            .replace("EventID: 0", f"EventID: {event_id}")
            .replace("ClientID: 0", f"ClientID: {client_id}")
            .replace("BadgeNumber: 0", f"BadgeNumber: {badge}")
            .replace("RegistrationID: String", f"RegistrationID: {registration_code}")
            .replace("String: String", f"SessionId: {session_id}", 1))


@pytest.mark.parametrize("with_ids", [False, True], ids=["placeholder zeros", "real ids"])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_the_spec_jsv_request_sample_with_real_ids_is_understood(ym, method, with_ids):
    event = ym.event(sessions=2)
    registration = ym.registration(event, badge=5)
    first, second = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code, "SessionIds": [first, second]})
    ids = {"event_id": event.id, "client_id": ym.client_id, "badge": 5} if with_ids else {}

    response = ym.client.request(method, ym.url(event.id), content=_spec_sample(registration.code, first, **ids),
                                 headers={**ym.admin_headers, **JSV_HEADERS})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/jsv")
    document = jsv.loads(response.text)
    assert set(document) <= SPEC_RESPONSE_MEMBERS
    assert document["RegistrationID"] == registration.code and document["BadgeNumber"] == "5"
    expected = {first: "confirmed", second: "confirmed"} if method == "POST" else {second: "confirmed"}
    assert ym.held(registration) == expected


def test_the_spec_jsv_request_sample_as_printed_is_a_400_naming_sessions(ym):
    event = ym.event(sessions=1)
    before = ym.snapshot()

    response = ym.client.post(ym.url(event.id), content=SPEC_REQUEST_BODY, headers={**ym.admin_headers, **JSV_HEADERS})

    assert response.status_code == 400
    document = jsv.loads(response.text)
    assert status_of(document)["ErrorCode"] == "SerializationException"
    assert field_names(document) == {"Sessions"}
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_suffix_wins_over_the_format_parameter_which_wins_over_accept(ym, fmt):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    body = {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)}
    others = [other for other in FORMATS if other != fmt]

    by_suffix = ym.send("POST", ym.url(event.id, f".{fmt}") + f"?format={others[0]}", "json", body,
                        headers={"Accept": CONTENT_TYPES[others[1]]})
    by_parameter = ym.send("POST", ym.url(event.id) + f"?format={fmt}", "json", body,
                           headers={"Accept": CONTENT_TYPES[others[1]]})
    by_accept = ym.send("POST", ym.url(event.id), "json", body, headers={"Accept": CONTENT_TYPES[fmt]})

    for response in (by_suffix, by_parameter, by_accept):
        assert response.status_code == 200
        assert decode(fmt, response.content)["RegistrationID"] == registration.code


@pytest.mark.parametrize(("accept", "expected"), [
    ("", "application/json"), ("*/*", "application/json"), ("text/html", "application/json"),
    ("text/xml", "application/xml"), ("application/xml;q=0.5, text/jsv", "text/jsv"),
    ("text/jsv;q=0.1, application/xml;q=0.9", "application/xml"),
])
def test_accept_headers_choose_the_response_format_and_json_is_the_default(ym, accept, expected):
    event = ym.event(sessions=1)
    registration = ym.registration(event)

    response = ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code,
                                                           "SessionIds": ym.session_ids(event)},
                       headers={"Accept": accept})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)


@pytest.mark.parametrize("request_format", FORMATS)
@pytest.mark.parametrize("response_format", FORMATS)
def test_the_body_is_read_by_its_content_type_whatever_the_response_format(ym, request_format, response_format):
    event = ym.event(sessions=1)
    registration = ym.registration(event)

    response = ym.send("POST", ym.url(event.id, f".{response_format}"), request_format,
                       {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)})

    assert response.status_code == 200
    assert decode(response_format, response.content)["RegistrationID"] == registration.code


def test_a_form_encoded_body_is_read_like_a_query_string(ym):
    event = ym.event(sessions=2)
    registration = ym.registration(event)
    ids = ym.session_ids(event)

    form = f"RegistrationID={registration.code}&SessionIds={ids[0]},{ids[1]}"
    response = ym.client.post(ym.url(event.id), content=form,
                              headers={**ym.admin_headers, "Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 200
    assert ym.held(registration) == {ids[0]: "confirmed", ids[1]: "confirmed"}


def test_a_body_without_content_type_is_read_in_the_response_format(ym):
    event = ym.event(sessions=1)
    registration = ym.registration(event)

    response = ym.client.post(ym.url(event.id, ".jsv"), headers=ym.admin_headers,
                              content=encode("jsv", {"RegistrationID": registration.code,
                                                     "SessionIds": ym.session_ids(event)}))

    assert response.status_code == 200
    assert jsv.loads(response.text)["RegistrationID"] == registration.code


def test_an_unknown_format_parameter_is_a_400_in_json(ym):
    event = ym.event(sessions=1)

    response = ym.send("POST", ym.url(event.id) + "?format=csv", "json", {})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert field_names(decode("json", response.content)) == {"format"}


def test_xml_responses_follow_the_data_contract_shape(ym):
    event = ym.event(sessions=1)
    registration = ym.registration(event)

    response = ym.send("POST", ym.url(event.id, ".xml"), "json", {"RegistrationID": registration.code,
                                                                   "SessionIds": ym.session_ids(event)})

    root = etree.fromstring(response.content)
    assert root.tag == f"{XML_NAMESPACE}RegistrationSessionResponse"
    members = [etree.QName(child).localname for child in root]
    assert members == sorted(members) == ["BadgeNumber", "ClientID", "EventID", "RegistrationID", "ResponseStatus",
                                          "Sessions"]
    assert root.find(f"{XML_NAMESPACE}BadgeNumber").get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"


def test_xml_errors_carry_the_servicestack_response_status(ym):
    event = ym.event(sessions=1)

    response = ym.send("POST", ym.url(event.id, ".xml"), "json", {"RegistrationID": "nobody",
                                                                   "SessionIds": ym.session_ids(event)})

    assert response.status_code == 404
    status = etree.fromstring(response.content).find(f"{XML_NAMESPACE}ResponseStatus")
    assert [etree.QName(child).localname for child in status] == ["ErrorCode", "Message", "Errors", "Meta"]
    assert status.find(f"{SERVICESTACK_NAMESPACE}ErrorCode").text == "NotFound"
    error = status.find(f"{SERVICESTACK_NAMESPACE}Errors/{SERVICESTACK_NAMESPACE}ResponseError")
    assert error.find(f"{SERVICESTACK_NAMESPACE}FieldName").text == "RegistrationID"


def test_xml_requests_may_use_any_prefixes_and_member_order(ym):
    event = ym.event(sessions=2)
    registration = ym.registration(event)
    first, second = ym.session_ids(event)
    body = (f'<r:RegistrationSessionRequest xmlns:r="urn:anything" xmlns:a="urn:arrays">'
            f'<r:SessionIds><a:long>{first}</a:long><a:long>{second}</a:long></r:SessionIds>'
            f'<r:BadgeNumber xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/>'
            f'<r:RegistrationID>{registration.code}</r:RegistrationID></r:RegistrationSessionRequest>')

    response = ym.client.post(ym.url(event.id), content=body,
                              headers={**ym.admin_headers, "Content-Type": "text/xml"})

    assert response.status_code == 200, response.text
    assert ym.held(registration) == {first: "confirmed", second: "confirmed"}
