"""The admins' webhook pages through the real app on SQLite and PostgreSQL: an endpoint added with
its event types (the secret shown once), refused URLs told in Swedish and English and changing
nothing, enabled and disabled, its delivery log with a redeliver button, deleted after a
confirmation; a staff user gets the 403 page, another tenant's endpoint is the 404 page; a form sent
twice is done once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.conftest import add_staff, client_address
from web_support import Visitor

from bookable.domain.actors import Actor, Channel, Role, utc_now
from bookable.domain.events import DomainEvent, EventType
from bookable.notifications import webhook_endpoints as endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.services import accounts
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

PUBLIC_URL = "https://93.184.215.14/hooks/bookable"
"""A public IP literal: the page screens it without a DNS lookup."""


@pytest.fixture
def office(app, world):
    from fastapi.testclient import TestClient

    login = add_staff(world, f"admin-{uuid.uuid4().hex[:8]}", role=Role.ADMIN)
    with TestClient(app, client=(client_address(), 50000)) as own:
        office = Visitor(own, world.tenant.slug)
        assert office.log_in(*login).status == 200
        yield office


def endpoints_of(world):
    with world.database.session(write=False) as session:
        return list(session.scalars(select(m.WebhookEndpoint).where(
            m.WebhookEndpoint.tenant_id == world.tenant.id).order_by(m.WebhookEndpoint.id)))


def add_form(office, url=PUBLIC_URL, types=("booking.created", "booking.cancelled"), **extra):
    fields = office.get("staff/admin/webhooks").form("/staff/admin/webhooks")
    return {**fields, "url": url, **{f"event:{kind}": "1" for kind in types}, **extra}


def test_a_staff_user_gets_the_403_page_and_admins_find_webhooks_in_their_navigation(desk, office):
    assert desk.get("staff/admin/webhooks").status == 403
    page = office.get("staff/admin/users")
    assert page.doc.xpath('//nav[contains(@class, "admin-nav")]//a[contains(@href, "/staff/admin/webhooks")]')
    listing = office.get("staff/admin/webhooks")
    legends = [" ".join(e.text_content().split()) for e in listing.doc.xpath("//fieldset/legend")]
    assert legends[:2] == ["Bookings", "Payments"] and "People" in legends
    assert listing.doc.xpath('//input[@type="checkbox" and @name="event:booking.created"]')


def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_a_second_post_adds_nothing(office, world):
    fields = add_form(office)
    page = office.post("staff/admin/webhooks", fields)
    [secret] = page.doc.xpath('//input[@id="new-secret"]/@value')
    assert "signing secret is shown below" in page.message()
    [row] = endpoints_of(world)
    assert (row.url, row.event_types, row.enabled, row.secret) == (
        PUBLIC_URL, ["booking.created", "booking.cancelled"], True, secret)
    assert secret.startswith("whsec_") and secret not in office.get("staff/admin/webhooks").text
    again = office.post("staff/admin/webhooks", fields)
    assert "That form had been sent already" in again.message() and len(endpoints_of(world)) == 1
    disabled = office.post("staff/admin/webhooks", {
        key: value for key, value in add_form(office, types=["ledger.payment"]).items() if key != "enabled"})
    assert disabled.status == 200 and endpoints_of(world)[-1].enabled is False


@pytest.mark.parametrize("url", ["ftp://93.184.215.14/x", "http://127.0.0.1:9000/hook", "https://10.1.2.3/hook",
                                 "https://user:pw@93.184.215.14/", "not a url"])
def test_a_refused_url_is_told_in_english_and_swedish_and_adds_nothing(office, world, url):
    page = office.post("staff/admin/webhooks", add_form(office, url=url))
    assert "That URL cannot receive webhooks" in page.message()
    office.get("staff/admin/webhooks", lang="sv")
    page = office.post("staff/admin/webhooks", add_form(office, url=url))
    assert "Den adressen kan inte ta emot webhooks" in page.message()
    assert endpoints_of(world) == []


def test_no_event_type_or_a_forged_form_adds_nothing(office, world):
    page = office.post("staff/admin/webhooks", add_form(office, types=()))
    assert "Choose at least one event type." in page.message()
    page = office.post("staff/admin/webhooks", {**add_form(office), "csrf": "forged"})
    assert page.message() and endpoints_of(world) == []


def a_delivery(world, endpoint_id, status="given_up", event_offset=0):
    """A delivery as the worker leaves it after giving up (the worker's own tests send real ones), of
    the tenant's newest event or of the one `event_offset` before it."""
    now = utc_now()
    with world.database.session(write=True) as session:
        event_id = session.scalar(select(m.EventRecord.id).where(m.EventRecord.tenant_id == world.tenant.id)
                                  .order_by(m.EventRecord.id.desc()).offset(event_offset).limit(1))
        row = m.DeliveryRecord(tenant_id=world.tenant.id, event_id=event_id, channel="webhook",
                               target=f"endpoint:{endpoint_id}", payload={"type": "booking.created"}, status=status,
                               attempts=7, next_attempt_at=now, retry_until=now - timedelta(minutes=1),
                               last_status_code=503, last_detail="Service Unavailable", last_attempt_at=now,
                               created_at=now - timedelta(hours=1))
        session.add(row)
        session.commit()
        return row.id


def delivery(world, delivery_id):
    with world.database.session(write=False) as session:
        return session.get(m.DeliveryRecord, delivery_id)


def test_an_endpoint_is_disabled_enabled_its_log_shown_and_a_delivery_sent_again(office, world):
    office.post("staff/admin/webhooks", add_form(office))
    [endpoint] = endpoints_of(world)
    sent = a_delivery(world, endpoint.id)
    page = office.get(f"staff/admin/webhooks/{endpoint.id}")
    [row] = page.doc.xpath(f'//tr[@id="delivery-{sent}"]')
    shown = " ".join(row.text_content().split())
    assert "booking.created" in shown and "Given up" in shown and "503" in shown and "7" in shown
    base = f"staff/admin/webhooks/{endpoint.id}"
    page = office.post(f"{base}/enabled", page.form(f"/{base}/enabled", change="disable"))
    assert "The endpoint is disabled" in page.message() and endpoints_of(world)[0].enabled is False
    page = office.post(f"{base}/deliveries/{sent}/redeliver", page.form(f"/deliveries/{sent}/redeliver"))
    assert "the endpoint is disabled (enable it first)" in page.message()
    assert delivery(world, sent).status == "given_up"
    page = office.post(f"{base}/enabled", page.form(f"/{base}/enabled", change="enable"))
    assert "The endpoint is enabled" in page.message() and endpoints_of(world)[0].enabled is True
    page = office.post(f"{base}/deliveries/{sent}/redeliver", page.form(f"/deliveries/{sent}/redeliver"))
    assert "sent again in a moment" in page.message() and delivery(world, sent).status == "pending"


def test_the_log_shows_the_newest_fifty_deliveries_and_pages_to_the_older_ones(office, world):
    office.post("staff/admin/webhooks", add_form(office))
    [endpoint] = endpoints_of(world)
    with world.uow() as uow:
        for n in range(55):
            uow.record(world.admin, DomainEvent(EventType.SLOT_CANCELLED, "slot", n))
        uow.commit()
    sent = [a_delivery(world, endpoint.id, event_offset=n) for n in range(54, -1, -1)]  # oldest first
    base = f"staff/admin/webhooks/{endpoint.id}"

    def shown(page):
        return [int(row.get("id").removeprefix("delivery-")) for row in page.doc.xpath('//tr[@id]')]

    newest = office.get(base)
    assert shown(newest) == sorted(sent, reverse=True)[:50]
    assert not newest.doc.xpath('//a[text()="Newest deliveries"]')
    [older_link] = newest.doc.xpath('//a[@id="older-deliveries"]/@href')
    path, _, query = older_link.removeprefix(f"/{world.tenant.slug}/").partition("?before=")
    older = office.get(path, before=query)
    assert shown(older) == sorted(sent, reverse=True)[50:]
    assert not older.doc.xpath('//a[@id="older-deliveries"]') and older.doc.xpath('//a[text()="Newest deliveries"]')
    beyond = office.get(base, before=min(sent))
    assert shown(beyond) == [] and beyond.has("No older deliveries.")
    assert shown(office.get(base, before="1e9")) == shown(newest)  # not a delivery id: the newest


def test_deleting_asks_first_and_then_deletes(office, world):
    office.post("staff/admin/webhooks", add_form(office))
    [endpoint] = endpoints_of(world)
    base = f"staff/admin/webhooks/{endpoint.id}"
    asked = office.post(f"{base}/delete", office.get(base).form(f"/{base}/delete"))
    assert "Delete the endpoint" in asked.message() and PUBLIC_URL in asked.message()
    assert len(endpoints_of(world)) == 1
    page = office.post(f"{base}/delete", asked.form(f"/{base}/delete", confirmed="1"))
    assert "The endpoint is deleted." in page.message() and endpoints_of(world) == []
    assert office.get(base).status == 404


def test_another_tenants_endpoint_is_the_404_page_and_stays_as_it_was(office, database):
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"o-{uuid.uuid4().hex[:8]}", timezone="Europe/London")
        uow.commit()
    actor = Actor(other.id, "admin", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(database, other.id) as uow:
        theirs = endpoints.create(uow, actor, AddressPolicy(), PUBLIC_URL, ["booking.created"], True).id
        uow.commit()
    assert office.get(f"staff/admin/webhooks/{theirs}").status == 404
    fields = office.get("staff/admin/webhooks").form("/staff/admin/webhooks")
    for action in ("enabled", "delete", "deliveries/1/redeliver"):
        answer = office.post(f"staff/admin/webhooks/{theirs}/{action}", {**fields, "change": "disable",
                                                                         "confirmed": "1"})
        assert answer.status == 404, action
    with UnitOfWork(database, other.id, write=False) as uow:
        assert endpoints.get(uow, theirs).enabled is True
