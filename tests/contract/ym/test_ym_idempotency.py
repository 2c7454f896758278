"""Idempotency-Key on EventRegistrationSessions: a retry replays the first answer and books nothing more."""

from __future__ import annotations

import uuid

import pytest
from tests.idempotency_support import still_running
from ym_helpers import FORMATS, decode, status_of


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_retried_post_with_the_same_idempotency_key_replays_the_first_response(ym, fmt):
    event = ym.event(sessions=1, spaces=1)
    registration, latecomer = ym.registration(event), ym.registration(event)
    body = {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)}
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = ym.send("POST", ym.url(event.id), fmt, body, headers=key)
    ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": latecomer.code, "SessionIds": ym.session_ids(event)})
    ym.send("DELETE", ym.url(event.id), fmt, body)
    replay = ym.send("POST", ym.url(event.id), fmt, body, headers=key)

    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content
    assert replay.headers.get("idempotent-replayed") == "true"
    assert decode(fmt, replay.content)["Sessions"][0]["Status"] == "confirmed"
    assert ym.held(registration) == {}
    assert ym.held(latecomer) == {ym.session_ids(event)[0]: "confirmed"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reusing_an_idempotency_key_for_another_request_is_a_422_and_changes_nothing(ym, fmt):
    event = ym.event(sessions=2)
    registration = ym.registration(event)
    first, second = ym.session_ids(event)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code, "SessionIds": [first]}, headers=key)
    before = ym.snapshot()

    response = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": registration.code, "SessionIds": [second]},
                       headers=key)

    assert response.status_code == 422
    assert status_of(decode(fmt, response.content))["ErrorCode"] == "UnprocessableEntity"
    assert ym.snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_retry_while_the_first_request_still_runs_is_a_409_of_its_own_not_a_conflict(ym, fmt):
    event = ym.event(sessions=1, spaces=1, waitlist_enabled=False)
    registration = ym.registration(event)
    body = {"RegistrationID": registration.code, "SessionIds": ym.session_ids(event)}
    key = str(uuid.uuid4())
    ym.send("POST", ym.url(event.id), fmt, body, headers={"Idempotency-Key": key})
    still_running(ym.world.database, key)

    retry = ym.send("POST", ym.url(event.id), fmt, body, headers={"Idempotency-Key": key})
    full = ym.send("POST", ym.url(event.id), fmt, {"RegistrationID": ym.registration(event).code,
                                                   "SessionIds": ym.session_ids(event)})

    assert retry.status_code == full.status_code == 409
    assert status_of(decode(fmt, retry.content))["ErrorCode"] == "IdempotencyInProgress"
    assert status_of(decode(fmt, retry.content))["Meta"] == {"Code": "idempotency_in_progress"}
    assert status_of(decode(fmt, full.content))["ErrorCode"] == "Conflict"
