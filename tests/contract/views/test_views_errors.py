"""Bad input of any kind: a 4xx in the Views envelope (JSON for JSON callers), nothing changed, never a 500."""

from __future__ import annotations

import pytest
from views_support import error_messages, xml

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<participant><ContactID>&lol2;</ContactID></participant>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE participant [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<participant><ContactID>&xxe;</ContactID></participant>"""
DTD_ONLY = """<?xml version="1.0"?><!DOCTYPE participant SYSTEM "http://example.org/p.dtd">
<participant><ContactID>1</ContactID></participant>"""

BAD_BODIES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"   \n ", id="blank"),
    pytest.param(b"<participant><ContactID>1</ContactID>", id="unclosed"),
    pytest.param(b"<participants><participant>1</participant><participants>", id="spec-typo-closing-tag"),
    pytest.param(b"not xml at all", id="text"),
    pytest.param(BILLION_LAUGHS.encode(), id="entities"),
    pytest.param(EXTERNAL_ENTITY.encode(), id="external-entity"),
    pytest.param(DTD_ONLY.encode(), id="dtd"),
    pytest.param(b"<participant><ContactID><x>1</x></ContactID></participant>", id="nested-value"),
    pytest.param(b"<participant><ContactID>1</ContactID><ContactID>2</ContactID></participant>", id="duplicate"),
    pytest.param(b'<participant><ContactID>\xff\xfe</ContactID></participant>', id="not-utf8"),
    pytest.param(b'{"participant": [', id="broken-json"),
    pytest.param(b'{"participant": {"ContactID": [1, 2]}}', id="json-list-value"),
    pytest.param(b'{"participant": {"ContactID": {"id": 1}}}', id="json-object-value"),
    pytest.param(b'{"ContactID": NaN}', id="json-nan"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="json-deep"),
    pytest.param(b'"participant": 5', id="bare-scalar"),
    pytest.param(b'{"participant": [{"ContactID": "x"}]}', id="json-bad-id"),
    pytest.param(b"<participants><participant><ContactID>abc</ContactID></participant></participants>", id="bad-id"),
    pytest.param(b"<participants><other/></participants>", id="foreign-item"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_bad_body_on_the_collection_is_a_400_and_changes_nothing(views, body):
    slot = views.session()
    views.call("PUT", slot.id, f"<participant><ContactID>{views.world.person()}</ContactID></participant>")
    before = views.snapshot(slot.id)

    responses = [views.call(method, slot.id, body) for method in ("POST", "PUT", "DELETE")]

    for response in responses:
        assert response.status_code == 400, response.text
        if response.headers["content-type"].startswith("application/json"):
            assert response.json()["errors"][0]["error"]
        else:
            assert error_messages(response)
    assert views.snapshot(slot.id) == before


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_bad_body_on_a_participant_is_a_400_and_changes_nothing(views, body):
    slot = views.session(price="20.00")
    person = views.world.person()
    pid = int(xml(views.call("POST", slot.id, f"<participant><PersonID>{person}</PersonID><PaymentType>Cash"
                                               "</PaymentType><PaymentAmount>20</PaymentAmount></participant>"))
              .get("id"))
    before = views.snapshot(slot.id)

    responses = [views.call("PUT", slot.id, body, pid=pid)]
    if body.strip():
        responses.append(views.call("DELETE", slot.id, body, pid=pid))

    for response in responses:
        assert response.status_code == 400, response.text
    assert views.snapshot(slot.id) == before


def test_a_json_caller_gets_json_errors(views):
    response = views.call("GET", 999_999_999, headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"errors": [{"error": "Session 999999999 not found.", "code": "not_found",
                                           "field": "sid"}]}


def test_a_json_body_gets_json_errors_even_without_an_accept_header(views):
    slot = views.session(price="20.00")

    response = views.call("POST", slot.id, '{"participant": {"PersonID": 1}}')

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "PaymentType"


def test_accept_xml_wins_over_a_json_body(views):
    slot = views.session(price="20.00")

    response = views.call("POST", slot.id, '{"participant": {"PersonID": 1}}', headers={"Accept": "text/xml"})

    assert response.status_code == 400 and error_messages(response)


def test_the_error_envelope_names_the_code_and_field(views):
    slot = views.session(price="20.00")

    response = views.call("POST", slot.id, "<participant><PersonID>1</PersonID><PaymentType>Gold</PaymentType>"
                                           "<PaymentAmount>1</PaymentAmount></participant>")

    error = xml(response).find("error")
    assert response.status_code == 400
    assert (error.get("code"), error.get("field")) == ("invalid_parameter", "PaymentType")
    assert error.text == "PaymentType must be one of: Cash, Cheque, Debit Card, Credit Card, Other."


def test_an_oversized_body_is_a_413_in_the_views_envelope(views):
    slot = views.session()

    response = views.call("PUT", slot.id, b"<participants>" + b" " * 1_100_000 + b"</participants>")

    assert response.status_code == 413 and error_messages(response)


def test_an_unsupported_method_is_a_405_in_the_views_envelope(views):
    slot = views.session()

    response = views.call("PATCH", slot.id, "<participant/>")

    assert response.status_code == 405 and error_messages(response)


def test_a_huge_id_is_simply_not_found(views):
    slot = views.session()

    by_path = views.call("DELETE", slot.id, pid="99999999999999999999")
    by_body = views.call("PUT", slot.id, "<participant><ContactID>99999999999</ContactID></participant>")
    session = views.call("GET", 99_999_999_999)

    assert (by_path.status_code, by_body.status_code, session.status_code) == (404, 404, 404)
    assert views.bookings(slot.id) == []


def test_a_participant_of_another_account_is_a_404(views):
    from views_support import other_account, staff_login

    slot = views.session(price="20.00")
    person = views.world.person()
    pid = int(xml(views.call("POST", slot.id, f"<participant><PersonID>{person}</PersonID><PaymentType>Cash"
                                               "</PaymentType><PaymentAmount>20</PaymentAmount></participant>"))
              .get("id"))
    outsider = staff_login(other_account(views.world))

    deleted = views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=pid, auth=outsider)
    paid = views.call("PUT", slot.id, "<payment><PaymentType>Cash</PaymentType><PaymentAmount>1</PaymentAmount>"
                                      "</payment>", pid=pid, auth=outsider)

    assert (deleted.status_code, paid.status_code) == (404, 404)
    assert views.booking(pid).status == "confirmed" and len(views.ledger(pid)) == 1
