"""Idempotency-Key on BookingBug's POST: a retry replays the first response and creates nothing more."""

from __future__ import annotations

import uuid

from bookingbug_support import BookingBug, error_of, xml
from tests.idempotency_support import still_running


def test_a_retried_create_with_the_same_key_replays_the_first_response_and_creates_one_session(bb: BookingBug):
    body = "<session><name>Once</name><group>G</group></session>"
    headers = {"Idempotency-Key": "create-once-1"}

    first = bb.post("/api/sessions.xml?type=event", body, headers=headers)
    second = bb.post("/api/sessions.xml?type=event", body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert [o.id for o in bb.offerings()] == [int(xml(first).get("id"))]


def test_the_same_key_with_a_different_body_is_422_in_the_bookingbug_envelope(bb: BookingBug):
    headers = {"Idempotency-Key": "create-once-2"}
    bb.post("/api/sessions.xml", "<session><name>First</name><group>G</group></session>", headers=headers)

    response = bb.post("/api/sessions.xml", "<session><name>Second</name><group>G</group></session>", headers=headers)

    assert response.status_code == 422
    assert error_of(response).get("code") == "idempotency_mismatch"
    assert [o.name for o in bb.offerings()] == ["First"]


def test_a_retried_delete_replays_200_rather_than_404(bb: BookingBug):
    offering = bb.world.offering()
    headers = {"Idempotency-Key": "delete-once"}

    first = bb.delete(f"/api/sessions/{offering.id}.xml", headers=headers)
    second = bb.delete(f"/api/sessions/{offering.id}.xml", headers=headers)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content


def test_a_retry_while_the_first_create_still_runs_is_a_409_idempotency_in_progress(bb: BookingBug):
    body = "<session><name>Slow</name><group>G</group></session>"
    key = f"create-running-{uuid.uuid4()}"
    bb.post("/api/sessions.xml", body, headers={"Idempotency-Key": key})
    still_running(bb.world.database, key)

    retry = bb.post("/api/sessions.xml", body, headers={"Idempotency-Key": key})

    assert retry.status_code == 409
    assert error_of(retry).get("code") == "idempotency_in_progress"
    assert [o.name for o in bb.offerings()] == ["Slow"]
