"""Bad input of every kind: the right 4xx with a ResponseStatus, in the caller's format, and no change."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ym_helpers import CONTENT_TYPES, FORMATS, decode, errors_of, field_names, status_of

MALFORMED = {
    "json": [b'{"RegistrationID": "R-1", "SessionIds": [1,', b"[1, 2]", b'"text"', b"{'single': 1}"],
    "xml": [b"<RegistrationSessionRequest><SessionIds>", b"not xml at all", b"<a></b>",
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><r><RegistrationID>&x;</RegistrationID></r>'],
    "jsv": [b"{RegistrationID: R-1, SessionIds: [1,", b"[1,2]", b"{A:1}}", b"\xff\xfe{A:1}"],
}
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def booked(ym):
    """An event whose registration already holds its first session, so "nothing changed" means something."""
    event = ym.event(sessions=2)
    registration = ym.registration(event, badge=9)
    first, second = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code, "SessionIds": [first]})
    return event, registration, first, second


def _refused(ym, response, fmt, status, error_code, before):
    assert response.status_code == status, response.text
    document = decode(fmt, response.content)
    assert status_of(document)["ErrorCode"] == error_code
    assert status_of(document)["Message"]
    assert b"StackTrace" not in response.content and b"Traceback" not in response.content
    assert ym.snapshot() == before
    return document


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(("fmt", "index"), [(fmt, i) for fmt in FORMATS for i in range(4)])
def test_a_malformed_body_is_a_400_serialization_exception(ym, booked, fmt, index, method):
    event, *_ = booked
    before = ym.snapshot()
    response = ym.send(method, ym.url(event.id), fmt, body=MALFORMED[fmt][index])
    _refused(ym, response, fmt, 400, "SerializationException", before)


WRONG_TYPES = [
    ({"EventID": "abc"}, {"EventID"}),
    ({"SessionIds": ["x"]}, {"SessionIds"}),
    ({"SessionIds": ["1.5"]}, {"SessionIds"}),
    ({"SessionIds": ["99999999999"]}, {"SessionIds"}),
    ({"Sessions": [{"SessionId": "x"}]}, {"Sessions"}),
    ({"Sessions": [{"Name": "no id"}]}, {"Sessions"}),
    ({"BadgeNumber": "abc"}, {"BadgeNumber"}),
    ({"BypassCache": "maybe"}, {"BypassCache"}),
    ({"DateCached": "yesterday"}, {"DateCached"}),
    ({"ClientID": "abc", "EventID": "-"}, {"ClientID", "EventID"}),
]


@pytest.mark.parametrize(("fields", "named"), WRONG_TYPES, ids=[str(sorted(n)) + str(i) for i, (_, n) in
                                                                 enumerate(WRONG_TYPES)])
@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_types_are_a_400_naming_every_field(ym, booked, fmt, fields, named):
    event, registration, _, second = booked
    body = {"RegistrationID": registration.code, "SessionIds": [second], **fields}
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), fmt, body)

    document = _refused(ym, response, fmt, 400, "SerializationException", before)
    assert field_names(document) == named
    assert all(error["ErrorCode"] == "SerializationException" for error in errors_of(document))


@pytest.mark.parametrize("fmt", FORMATS)
def test_json_values_of_the_wrong_json_type_are_refused_too(ym, booked, fmt):
    event, registration, _, second = booked
    before = ym.snapshot()
    body = b'{"RegistrationID": ["R"], "SessionIds": [true], "EventID": 1.5, "BadgeNumber": {}}'

    response = ym.send("POST", ym.url(event.id, f".{fmt}"), "json", body=body)

    document = _refused(ym, response, fmt, 400, "SerializationException", before)
    assert field_names(document) == {"RegistrationID", "SessionIds", "EventID", "BadgeNumber"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", ["event", "registration", "session", "badge"])
def test_unknown_ids_are_a_404_naming_the_field(ym, booked, fmt, where):
    event, registration, _, second = booked
    url = ym.url(event.id + 1000 if where == "event" else event.id)
    body = {"RegistrationID": "nobody" if where == "registration" else registration.code,
            "SessionIds": [second + 1000 if where == "session" else second]}
    if where == "badge":
        body = {"BadgeNumber": 999, "SessionIds": [second]}
    before = ym.snapshot()

    response = ym.send("POST", url, fmt, body)

    document = _refused(ym, response, fmt, 404, "NotFound", before)
    expected = {"event": "EventID", "registration": "RegistrationID", "session": "SessionIds",
                "badge": "RegistrationID"}
    assert field_names(document) == {expected[where]}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("case", "named"), [
    ("no registration", "RegistrationID"), ("no sessions", "SessionIds"), ("event mismatch", "EventID"),
    ("client mismatch", "ClientID"), ("badge mismatch", "BadgeNumber"), ("sessions list empty", "Sessions"),
])
def test_contradictory_or_missing_values_are_a_400_argument_error(ym, booked, fmt, case, named):
    event, registration, _, second = booked
    body = {
        "no registration": {"SessionIds": [second]},
        "no sessions": {"RegistrationID": registration.code},
        "event mismatch": {"RegistrationID": registration.code, "SessionIds": [second], "EventID": event.id + 1},
        "client mismatch": {"RegistrationID": registration.code, "SessionIds": [second], "ClientID": ym.client_id + 1},
        "badge mismatch": {"RegistrationID": registration.code, "SessionIds": [second], "BadgeNumber": 10},
        "sessions list empty": {"RegistrationID": registration.code, "Sessions": []},
    }[case]
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), fmt, body)

    document = _refused(ym, response, fmt, 400, "ArgumentException", before)
    assert field_names(document) == {named}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_non_numeric_or_oversized_id_in_the_url_is_a_400(ym, booked, fmt):
    event, registration, _, second = booked
    before = ym.snapshot()
    body = {"RegistrationID": registration.code, "SessionIds": [second]}

    for url in (ym.url("abc"), ym.url(event.id, client_id="x1"), ym.url(2**40)):
        response = ym.send("POST", url, fmt, body)
        document = _refused(ym, response, fmt, 400, "SerializationException", before)
        assert field_names(document) & {"ClientID", "EventID"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unsupported_content_type_is_a_415(ym, booked, fmt):
    event, registration, *_ = booked
    before = ym.snapshot()
    response = ym.send("POST", ym.url(event.id), fmt, body=b"RegistrationID", headers={"Content-Type": "text/csv"})
    _refused(ym, response, fmt, 415, "UnsupportedMediaType", before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_oversized_body_is_a_413_in_the_ym_envelope(ym, booked, fmt):
    event, *_ = booked
    before = ym.snapshot()
    response = ym.send("POST", ym.url(event.id), fmt, body=b" " * 1_100_000)
    assert response.status_code == 413
    assert status_of(decode(fmt, response.content))["ErrorCode"] == "RequestEntityTooLarge"
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_methods_and_unknown_paths_under_ams_answer_in_the_ym_envelope(ym, booked, fmt):
    event, *_ = booked
    accept = {"Accept": CONTENT_TYPES[fmt]}
    wrong_method = ym.client.get(ym.url(event.id), headers={**ym.admin_headers, **accept})
    unknown = ym.client.post(f"/Ams/{ym.client_id}/Nothing", headers={**ym.admin_headers, **accept})
    assert wrong_method.status_code == 405
    assert status_of(decode(fmt, wrong_method.content))["ErrorCode"] == "MethodNotAllowed"
    assert unknown.status_code == 404
    assert status_of(decode(fmt, unknown.content))["ErrorCode"] == "NotFound"


junk_text = st.one_of(
    st.text(max_size=200),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                 max_leaves=12).map(repr),
)


@HYPOTHESIS
@given(fmt=st.sampled_from(FORMATS), junk=junk_text)
def test_no_junk_body_ever_gets_a_500_or_changes_anything(ym, booked, fmt, junk):
    event, *_ = booked
    before = ym.snapshot()
    response = ym.send("POST", ym.url(event.id), fmt, body=junk.encode())
    assert 400 <= response.status_code < 500
    assert status_of(decode(fmt, response.content))["ErrorCode"]
    assert ym.snapshot() == before


finite = st.floats(allow_nan=False, allow_infinity=False)  # what a JSON or JSV client can send
member_values = st.one_of(st.none(), st.booleans(), st.integers(), finite, st.text(max_size=10),
                          st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
                          st.dictionaries(st.text(max_size=8), st.text(max_size=5), max_size=2))


@HYPOTHESIS
@given(fmt=st.sampled_from(FORMATS), members=st.dictionaries(
    st.sampled_from(["EventID", "ClientID", "RegistrationID", "BadgeNumber", "SessionIds", "Sessions",
                     "BypassCache", "DateCached", "Device"]), member_values, max_size=5))
def test_any_member_values_get_a_clear_answer_and_never_book_another_event(ym, booked, fmt, members):
    event, registration, first, second = booked
    body = {"RegistrationID": registration.code, **members}
    response = ym.send("POST", ym.url(event.id), fmt, body)
    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert status_of(decode(fmt, response.content))["ErrorCode"]
    assert set(ym.held(registration)) <= {first, second}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("request_format", ["json", "jsv"])  # XML 1.0 cannot carry NUL at all
def test_a_nul_character_in_a_text_member_is_a_400_not_a_database_error(ym, booked, request_format, fmt):
    event, registration, _, second = booked
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id, f".{fmt}"), request_format,
                       {"RegistrationID": "R\x00-1\x01", "SessionIds": [second]})

    document = _refused(ym, response, fmt, 400, "SerializationException", before)
    assert field_names(document) == {"RegistrationID"}
