"""The delivery worker's purge, on SQLite and PostgreSQL: delivered and given-up deliveries older
than deliveries_kept_days leave the delivery log (the native API's shows only what is kept), pending
and failed ones stay whatever their age; members' and staff users' form tokens older than a
session can live are purged, newer ones kept (a form posted again is still done once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from tests.conftest import World, add_api_key, add_staff

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.notifications import webhook_endpoints as endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.purging import FORM_TOKENS_KEPT
from bookable.notifications.running import periodic_jobs_for, worker_for
from bookable.settings import Settings
from bookable.storage import models as m
from bookable.storage.web_forms import claim_form_token, claim_staff_form_token, staff_form_token_claimed

URL = "https://93.184.215.14/hook"


def an_endpoint(world: World) -> int:
    """An endpoint, and six events of its own (enabled, disabled ...) for deliveries to be of."""
    actor = Actor(world.tenant.id, "admin", Role.ADMIN, Channel.NATIVE)
    with world.uow() as uow:
        endpoint_id = endpoints.create(uow, actor, AddressPolicy(), URL, ["booking.created"], True).id
        for turn in range(5):
            endpoints.update(uow, actor, AddressPolicy(), endpoint_id, {"enabled": turn % 2 == 1})
        uow.commit()
    return endpoint_id


def a_delivery(world: World, endpoint_id: int, status: str, age: timedelta, number: int) -> int:
    at = utc_now() - age
    with world.database.session(write=True) as session:
        event_id = session.scalar(select(func.max(m.EventRecord.id)).where(m.EventRecord.tenant_id == world.tenant.id))
        row = m.DeliveryRecord(
            tenant_id=world.tenant.id, event_id=event_id - number, channel="webhook", target=f"endpoint:{endpoint_id}",
            payload={"type": "booking.created"}, status=status, attempts=1, next_attempt_at=at, retry_until=at,
            last_status_code=200 if status == "delivered" else 500, last_detail="", last_attempt_at=at,
            delivered_at=at if status == "delivered" else None, created_at=at)
        session.add(row)
        session.commit()
        return row.id


def existing(world: World, ids: list[int]) -> set[int]:
    with world.database.session(write=False) as session:
        return set(session.scalars(select(m.DeliveryRecord.id).where(m.DeliveryRecord.id.in_(ids))))


def test_the_worker_purges_finished_deliveries_older_than_the_setting_and_keeps_the_rest(world, client):
    endpoint_id = an_endpoint(world)
    month = timedelta(days=31)
    old_delivered = a_delivery(world, endpoint_id, "delivered", month, 1)
    old_given_up = a_delivery(world, endpoint_id, "given_up", month, 2)
    old_pending = a_delivery(world, endpoint_id, "pending", month, 3)
    old_failed = a_delivery(world, endpoint_id, "failed", month, 4)
    recent = a_delivery(world, endpoint_id, "delivered", timedelta(days=29), 5)
    worker = worker_for(world.database, Settings(reminder_hours=0, deliveries_kept_days=30), channels=[])
    assert worker.run_periodic_jobs() == 1
    assert existing(world, [old_delivered, old_given_up, old_pending, old_failed, recent]) == {
        old_pending, old_failed, recent}
    shorter = worker_for(world.database, Settings(reminder_hours=0, deliveries_kept_days=1), channels=[])
    shorter.run_periodic_jobs()
    assert existing(world, [old_pending, old_failed, recent]) == {old_pending, old_failed}
    log = client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers={
        "Authorization": f"Bearer {add_api_key(world)}"})
    assert log.status_code == 200 and {item["id"] for item in log.json()["items"]} == {old_pending, old_failed}


def test_form_tokens_older_than_a_session_are_purged_and_newer_ones_still_refuse_a_replay(world):
    person_id = world.person()
    username, _ = add_staff(world)
    with world.uow(write=False) as uow:
        user_id = uow.tenants.user(username).id
    now = utc_now()
    old, young = now - FORM_TOKENS_KEPT - timedelta(minutes=1), now - timedelta(days=1)
    with world.database.write_engine.begin() as connection:
        for token, at in (("old-member-token", old), ("young-member-token", young)):
            claim_form_token(connection, world.tenant.id, person_id, token, at)
        for token, at in (("old-staff-token", old), ("young-staff-token", young)):
            claim_staff_form_token(connection, world.tenant.id, user_id, token, at)
    worker_for(world.database, Settings(reminder_hours=0), channels=[]).run_periodic_jobs()
    with world.database.session(write=False) as session:
        members = set(session.scalars(select(m.WebFormSubmission.token).where(m.WebFormSubmission.person_id
                                                                               == person_id)))
        staff = set(session.scalars(select(m.StaffFormSubmission.token).where(m.StaffFormSubmission.user_id
                                                                               == user_id)))
    assert members == {"young-member-token"} and staff == {"young-staff-token"}
    with world.database.read_engine.connect() as connection:
        assert staff_form_token_claimed(connection, user_id, "young-staff-token")


def test_the_purge_runs_with_the_reminders_or_alone():
    with_reminders = periodic_jobs_for(None, Settings(reminder_hours=24))  # type: ignore[arg-type]
    alone = periodic_jobs_for(None, Settings(reminder_hours=0))  # type: ignore[arg-type]
    assert len(with_reminders) == 2 and len(alone) == 1
    assert Settings().deliveries_kept_days == 30


def test_a_form_token_is_claimed_once_and_says_so_on_both_databases(world):
    person_id = world.person()
    username, _ = add_staff(world)
    with world.uow(write=False) as uow:
        user_id = uow.tenants.user(username).id
    with world.database.write_engine.begin() as connection:
        claims = [claim_form_token(connection, world.tenant.id, person_id, "member-token", utc_now()) for _ in "ab"]
        claims += [claim_staff_form_token(connection, world.tenant.id, user_id, "staff-token", utc_now())
                   for _ in "ab"]
    assert claims == [True, False, True, False]
