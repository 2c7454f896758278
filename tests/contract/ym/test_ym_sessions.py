"""Assigning and removing a registration's sessions, in JSON, XML and JSV."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ym_helpers import FORMATS, decode, errors_of, field_names, status_of

from bookable.domain.offering import Kind
from bookable.storage import models as m


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_assigns_the_given_session_ids_and_answers_with_the_registration_and_its_sessions(ym, fmt):
    event = ym.event(sessions=3)
    registration = ym.registration(event, badge=42)
    first, second, _ = ym.session_ids(event)

    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code,
                                                        "SessionIds": [first, second]})

    assert response.status_code == 200
    document = decode(fmt, response.content)
    assert document["ClientID"] == str(ym.client_id)
    assert document["EventID"] == str(event.id)
    assert document["RegistrationID"] == registration.code
    assert document["BadgeNumber"] == "42"
    assert [s["SessionId"] for s in document["Sessions"]] == [str(first), str(second)]
    assert {s["Status"] for s in document["Sessions"]} == {"confirmed"}
    slot = ym.world.slots(event.id)[0]
    assert document["Sessions"][0] == {"SessionId": str(first), "Name": "Annual Conference",
                                       "Date": slot.local_date.isoformat(), "Time": "18:00", "Status": "confirmed"}
    assert "ErrorCode" not in status_of(document)
    assert ym.held(registration) == {first: "confirmed", second: "confirmed"}


@pytest.mark.parametrize("key", ["SessionId", "SessionID", "sessionid", "Id"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_post_reads_session_ids_from_the_sessions_dictionaries(ym, fmt, key):
    event = ym.event(sessions=2)
    registration = ym.registration(event)
    first, second = ym.session_ids(event)

    sessions = [{key: str(first)}, {key: str(second), "Name": "x"}]
    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code, "Sessions": sessions})

    assert response.status_code == 200, response.text
    assert [s["SessionId"] for s in decode(fmt, response.content)["Sessions"]] == [str(first), str(second)]
    assert ym.held(registration) == {first: "confirmed", second: "confirmed"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_delete_removes_the_sessions_named_in_the_body_and_keeps_the_booking_row_cancelled(ym, fmt):
    event = ym.event(sessions=3)
    registration = ym.registration(event)
    ids = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code, "SessionIds": ids})

    response = ym.send("DELETE", ym.url(event.id), fmt, {"RegistrationID": registration.code,
                                                          "Sessions": [{"SessionId": ids[0]}, {"SessionId": ids[2]}]})

    assert response.status_code == 200
    assert [s["SessionId"] for s in decode(fmt, response.content)["Sessions"]] == [str(ids[1])]
    assert ym.held(registration) == {ids[1]: "confirmed"}
    bookings, _ = ym.snapshot()
    assert sorted(status for _, _, status in bookings) == ["cancelled", "cancelled", "confirmed"]


@pytest.mark.parametrize("query", ["SessionIds={a},{b}", "SessionIds={a}&SessionIds={b}", "sessionids=[{a},{b}]",
                                   "Sessions=[{{SessionId:{a}}},{{SessionId:{b}}}]"])
def test_delete_also_takes_its_values_from_the_query_string(ym, query):
    event = ym.event(sessions=3)
    registration = ym.registration(event)
    a, b, c = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code, "SessionIds": [a, b, c]})

    url = ym.url(event.id) + f"?RegistrationID={registration.code}&" + query.format(a=a, b=b)
    response = ym.client.delete(url, headers={**ym.admin_headers, "Accept": "application/json"})

    assert response.status_code == 200, response.text
    assert ym.held(registration) == {c: "confirmed"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_assigning_a_session_twice_keeps_one_booking(ym, fmt):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    [session] = ym.session_ids(event)
    for _ in range(2):
        response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code,
                                                            "SessionIds": [session, session]})
        assert response.status_code == 200
    assert len(ym.snapshot()[0]) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_session_puts_the_registration_on_its_waiting_list(ym, fmt):
    event = ym.event(sessions=1, spaces=1)
    first, second = ym.registration(event), ym.registration(event)
    [session] = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": first.code, "SessionIds": [session]})

    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": second.code, "SessionIds": [session]})

    assert response.status_code == 200
    [entry] = decode(fmt, response.content)["Sessions"]
    assert entry["Status"] == "waitlisted" and entry["WaitlistPosition"] == "1"
    assert ym.held(second) == {session: "waitlisted"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_session_without_a_waiting_list_is_a_conflict_and_books_nothing_of_the_request(ym, fmt):
    event = ym.event(sessions=2, spaces=1, waitlist_enabled=False)
    first, second = ym.registration(event), ym.registration(event)
    free, full = ym.session_ids(event)
    ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": first.code, "SessionIds": [full]})
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": second.code, "SessionIds": [free, full]})

    assert response.status_code == 409
    status = status_of(decode(fmt, response.content))
    assert status["ErrorCode"] == "Conflict" and status["Meta"] == {"Code": "waiting_list_closed"}
    assert "waiting list" in status["Message"]
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_removing_a_confirmed_session_promotes_the_first_registration_waiting_for_it(ym, fmt):
    event = ym.event(sessions=1, spaces=1)
    holder, waiting = ym.registration(event), ym.registration(event)
    [session] = ym.session_ids(event)
    for registration in (holder, waiting):
        ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code, "SessionIds": [session]})

    response = ym.send("DELETE", ym.url(event.id), fmt, {"RegistrationID": holder.code, "SessionIds": [session]})

    assert response.status_code == 200
    assert decode(fmt, response.content)["Sessions"] in ([], "", None)
    assert ym.held(waiting) == {session: "confirmed"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_session_of_another_event_is_refused_and_nothing_is_booked(ym, fmt):
    event, other = ym.event(sessions=1), ym.event(sessions=1)
    registration = ym.registration(event)
    [own], [foreign] = ym.session_ids(event), ym.session_ids(other)
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code,
                                                        "SessionIds": [own, foreign]})

    assert response.status_code == 404
    document = decode(fmt, response.content)
    assert status_of(document)["ErrorCode"] == "NotFound"
    assert field_names(document) == {"SessionIds"}
    assert ym.snapshot() == before


def test_a_session_of_another_client_is_refused_like_an_unknown_one(ym, world, database):
    from bookable.services import accounts
    from bookable.storage.unit_of_work import UnitOfWork

    with UnitOfWork(database, 0) as uow:
        other_tenant = accounts.add_tenant(uow, f"other-{world.tenant.id}", timezone="Europe/Stockholm")
        uow.commit()
    other_world = type(world)(database, other_tenant, world.admin.__class__(other_tenant.id, "admin",
                                                                             world.admin.role, world.admin.channel))
    [foreign] = [slot.id for slot in other_world.slots(other_world.offering().id)]
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code,
                                                           "SessionIds": [foreign]})

    assert response.status_code == 404
    assert field_names(decode("json", response.content)) == {"SessionIds"}
    assert ym.snapshot() == before
    with other_world.uow(write=False) as uow:
        assert uow.catalog.list(m.Booking) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_registration_can_be_named_by_its_badge_number_alone(ym, fmt):
    event = ym.event(sessions=1)
    registration = ym.registration(event, badge=1234)
    [session] = ym.session_ids(event)

    response = ym.send("POST", ym.url(event.id), fmt, {"BadgeNumber": 1234, "SessionIds": [session]})

    assert response.status_code == 200
    assert decode(fmt, response.content)["RegistrationID"] == registration.code
    assert ym.held(registration) == {session: "confirmed"}


def test_a_course_session_books_the_whole_course_and_removing_one_session_removes_the_course(ym):
    course = ym.event(sessions=3, kind=Kind.COURSE)
    registration = ym.registration(course)
    ids = ym.session_ids(course)

    assigned = ym.send("POST", ym.url(course.id), "json", {"RegistrationID": registration.code, "SessionIds": ids})
    again = ym.send("POST", ym.url(course.id), "json", {"RegistrationID": registration.code, "SessionIds": [ids[1]]})

    assert assigned.status_code == again.status_code == 200
    assert [s["SessionId"] for s in decode("json", again.content)["Sessions"]] == [str(i) for i in ids]
    assert len(ym.snapshot()[0]) == 1
    removed = ym.send("DELETE", ym.url(course.id), "json", {"RegistrationID": registration.code,
                                                             "SessionIds": [ids[2]]})
    assert removed.status_code == 200 and decode("json", removed.content)["Sessions"] == []
    assert ym.held(registration) == {}


def test_every_change_is_audited_as_made_through_the_ym_api(ym):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    [session] = ym.session_ids(event)

    ym.send("POST", ym.url(event.id), "json", {"RegistrationID": registration.code, "SessionIds": [session]})
    ym.send("DELETE", ym.url(event.id), "json", {"RegistrationID": registration.code, "SessionIds": [session]})

    with ym.world.uow(write=False) as uow:
        entries = [e for e in uow.audit.entries(entity="booking")]
    assert [(e.action, e.channel) for e in entries] == [("booking.created", "ym"), ("booking.cancelled", "ym")]


def test_success_responses_carry_no_error_anywhere(ym):
    event = ym.event(sessions=1)
    registration = ym.registration(event)
    for fmt in FORMATS:
        response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code,
                                                            "SessionIds": ym.session_ids(event)})
        assert errors_of(decode(fmt, response.content)) == []
        assert b"StackTrace" not in response.content


operations = st.lists(st.tuples(st.sampled_from(["POST", "DELETE"]), st.sampled_from(FORMATS),
                                st.sets(st.integers(0, 3), min_size=1)), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_any_sequence_of_assignments_and_removals_leaves_exactly_the_expected_sessions(ym, steps):
    event = ym.event(sessions=4, spaces=50)
    registration = ym.registration(event)
    ids = ym.session_ids(event)
    expected: set[int] = set()
    for method, fmt, picks in steps:
        chosen = sorted(ids[i] for i in picks)
        response = ym.send(method, ym.url(event.id), fmt, {"RegistrationID": registration.code, "SessionIds": chosen})
        expected = expected | set(chosen) if method == "POST" else expected - set(chosen)
        assert response.status_code == 200
        sessions = decode(fmt, response.content)["Sessions"] or []
        assert [s["SessionId"] for s in sessions] == [str(i) for i in sorted(expected)]
    assert ym.held(registration) == dict.fromkeys(expected, "confirmed")
