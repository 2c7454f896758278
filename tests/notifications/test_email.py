"""Emails to members, end to end with real parts: bookings, waiting lists, cancellations,
promotions, payments and class changes made through the native API of the real app; their events
read from the events table; the email channel fans them out and sends them to a real SMTP server
(aiosmtpd); the tests read what arrived: recipients, subject, language, body, link and the .ics."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

import pytest
from email_support import (
    PUBLIC_URL,
    basic,
    create_offering,
    deliver,
    events_after,
    fan_out,
    last_event_id,
    new_person,
    post,
    set_language,
    set_password,
    staff_headers,
)
from structlog.testing import capture_logs

from bookable.notifications.delivery_channel import Delivery, Outcome
from bookable.notifications.email import EmailChannel
from bookable.notifications.worker import DeliveryWorker


@pytest.fixture
def staff(world):
    return staff_headers(world)


def only_message(smtp, address):
    [received] = smtp.inbox.to(address)
    return received


def the_event(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_a_booking_made_through_the_api_is_confirmed_by_email_with_its_link_and_calendar_file(
        client, world, staff, smtp, channel):
    offering = create_offering(client, staff, name="Spinning")
    slot = offering["slots"][0]
    person_id, address = new_person(client, staff, "Anna")
    since = last_event_id(world)
    booking = post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)

    outcomes = deliver(world, channel, since)

    assert [(o.delivered, o.status) for o in outcomes] == [(True, 250)]
    received = only_message(smtp, address)
    message = received.message
    assert received.rcpt_tos == [address] and message["To"] == f"Anna Larsson <{address}>"
    assert message["From"] == "Riverside Gym <no-reply@gym.example>" and message["Content-Language"] == "en"
    assert message["Subject"].startswith("Booking confirmed: Spinning, ") and message["Subject"].endswith(" 18:00")
    link = f"{PUBLIC_URL}/{world.tenant.slug}/bookings"
    assert "Hello Anna," in received.text and "Your place is booked." in received.text and link in received.text
    assert f'<a href="{link}"' in received.html and "Your place is booked." in received.html
    event = the_event(received.calendar())
    assert str(event["uid"]) == f"booking-{booking['id']}-slot-{slot['id']}.{world.tenant.slug}@book.example.org"
    assert event["status"] == "CONFIRMED" and event["summary"] == "Spinning"
    start = event.decoded("dtstart")
    assert start.time() == time(18, 0) and str(start.tzinfo) == "Europe/Stockholm"
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(booking["id"]).status == "confirmed"


def test_the_waiting_list_promotion_and_a_staff_cancellation_are_told_in_swedish(client, world, staff, smtp, channel):
    set_language(world, "sv")
    slot = create_offering(client, staff, name="Yoga", spaces=1)["slots"][0]
    first_id, first_address = new_person(client, staff, "Bo")
    waiting_id, waiting_address = new_person(client, staff, "Cia")
    since = last_event_id(world)
    first = post(client, "bookings", {"person_id": first_id, "slot_id": slot["id"]}, staff, 201)
    waiting = post(client, "bookings/waiting-list", {"person_id": waiting_id, "slot_id": slot["id"]}, staff, 201)
    assert waiting["status"] == "waitlisted"
    deliver(world, channel, since)
    joined = only_message(smtp, waiting_address)
    assert joined.message["Subject"].startswith("Väntelista: Yoga, ") and joined.message["Content-Language"] == "sv"
    assert "Hej Cia," in joined.text and "Du är nummer 1 i kön." in joined.text
    assert the_event(joined.calendar())["status"] == "TENTATIVE"

    smtp.inbox.messages.clear()
    since = last_event_id(world)
    outcome = post(client, f"bookings/{first['id']}/cancel", {}, staff)
    assert [b["id"] for b in outcome["promoted"]] == [waiting["id"]]
    deliver(world, channel, since)

    cancelled = only_message(smtp, first_address)
    assert cancelled.message["Subject"].startswith("Bokning avbokad: Yoga, ")
    assert f"{world.tenant.name} avbokade din bokning." in cancelled.text
    assert the_event(cancelled.calendar())["status"] == "CANCELLED"
    promoted = only_message(smtp, waiting_address)
    assert promoted.message["Subject"].startswith("Du fick en plats: Yoga, ")
    assert "En plats blev ledig, och den är nu din." in promoted.text
    assert the_event(promoted.calendar())["status"] == "CONFIRMED"
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(waiting["id"]).status == "confirmed"


def test_a_member_who_cancels_is_told_it_was_their_own_doing(client, world, staff, smtp, channel):
    slot = create_offering(client, staff)["slots"][0]
    person_id, address = new_person(client, staff, "Dan")
    set_password(world, person_id)
    member = {**basic(address, "member-pass"), "X-Bookable-Tenant": world.tenant.slug}
    booking = post(client, "bookings", {"slot_id": slot["id"]}, member, 201)
    since = last_event_id(world)
    post(client, f"bookings/{booking['id']}/cancel", {}, member)

    deliver(world, channel, since)

    received = only_message(smtp, address)
    assert received.message["Subject"].startswith("Booking cancelled: Spinning, ")
    assert "You cancelled your booking." in received.text


def test_payments_and_refunds_are_receipted_with_their_amounts_and_no_calendar_file(
        client, world, staff, smtp, channel):
    slot = create_offering(client, staff, price=20)["slots"][0]
    person_id, address = new_person(client, staff, "Eva")
    booking = post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)
    since = last_event_id(world)
    post(client, f"bookings/{booking['id']}/payments", {"payment_type": "Cash", "amount": 20}, staff, 201)
    post(client, f"bookings/{booking['id']}/cancel", {"settlement": "refund"}, staff)

    deliver(world, channel, since)

    subjects = [received.message["Subject"] for received in smtp.inbox.to(address)]
    assert subjects[0] == "Payment received: £20.00 for Spinning"
    assert subjects[1] == "Refund: £20.00 for Spinning"  # recorded as the cancellation settles, before it
    assert subjects[2].startswith("Booking cancelled: Spinning") and len(subjects) == 3
    payment, refund, cancelled = smtp.inbox.to(address)
    assert "we have received your payment of £20.00." in payment.text and payment.calendar() is None
    assert "We have refunded £20.00 to you." in refund.text and refund.calendar() is None
    assert cancelled.calendar() is not None


def test_a_class_cancelled_with_its_bookings_tells_each_member_once(client, world, staff, smtp, channel):
    slot = create_offering(client, staff, name="Pilates")["slots"][0]
    people = [new_person(client, staff, name) for name in ("Fia", "Gun")]
    for person_id, _ in people:
        post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)
    since = last_event_id(world)
    post(client, f"slots/{slot['id']}/cancel", {"cancel_bookings": True}, staff)

    deliver(world, channel, since)

    assert len(smtp.inbox.messages) == 2
    for _, address in people:
        received = only_message(smtp, address)
        assert received.message["Subject"].startswith("Class cancelled: Pilates, ")
        assert "has cancelled this class, and your booking with it." in received.text
        assert the_event(received.calendar())["status"] == "CANCELLED"


def test_a_class_moved_tells_each_booked_member_the_old_and_the_new_time(client, world, staff, smtp, channel):
    slot = create_offering(client, staff, name="Boxing")["slots"][0]
    person_id, address = new_person(client, staff, "Hugo")
    post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)
    since = last_event_id(world)
    response = client.patch(f"/api/v1/slots/{slot['id']}", json={"time": "19:30"}, headers=staff)
    assert response.status_code == 200, response.text

    deliver(world, channel, since)

    received = only_message(smtp, address)
    assert received.message["Subject"].startswith("Class moved: Boxing, now ")
    assert received.message["Subject"].endswith(" 19:30")
    assert "The class has moved from " in received.text and " 18:00 to " in received.text
    assert the_event(received.calendar()).decoded("dtstart").time() == time(19, 30)


def test_a_member_without_an_email_address_is_skipped_and_logged(client, world, staff, smtp, channel):
    slot = create_offering(client, staff)["slots"][0]
    person_id, _ = new_person(client, staff, "Ivar", email_address=None)
    since = last_event_id(world)
    post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)

    with capture_logs() as logs:
        addressed = fan_out(world, channel, events_after(world, since))

    assert addressed == [] and smtp.inbox.messages == []
    assert [(entry["event"], entry["person_id"]) for entry in logs] == [("email skipped: no address", person_id)]


def test_email_switched_off_addresses_nothing(client, world, staff, smtp):
    slot = create_offering(client, staff)["slots"][0]
    person_id, _ = new_person(client, staff)
    since = last_event_id(world)
    post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)

    assert fan_out(world, EmailChannel(smtp.config(enabled=False)), events_after(world, since)) == []


def test_a_refused_recipient_is_given_up_a_busy_server_and_no_server_are_retried(client, world, staff, smtp, channel):
    slot = create_offering(client, staff, spaces=10)["slots"][0]
    refused_id, refused = new_person(client, staff, "Jan")
    later_id, later = new_person(client, staff, "Kim")
    since = last_event_id(world)
    for person_id in (refused_id, later_id):
        post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)
    smtp.inbox.refuse.update({refused: "550 5.1.1 No such user", later: "451 4.3.0 Try again later"})
    addressed = fan_out(world, channel, events_after(world, since))

    from email_support import send

    outcomes = send(channel, world, addressed)
    assert [(o.delivered, o.retry, o.status) for o in outcomes] == [(False, False, 550), (False, True, 451)]
    from tests.live_server import free_port

    nowhere = EmailChannel(smtp.config(port=free_port(), timeout=2))
    [outcome] = send(nowhere, world, addressed[:1])
    assert (outcome.delivered, outcome.retry) == (False, True) and outcome.detail
    assert smtp.inbox.messages == []


def test_a_reserved_course_booking_lists_its_dates_and_a_credit_note_is_receipted(client, world, staff, smtp, channel):
    from email_support import in_days

    course = create_offering(client, staff, kind="course", name="Ceramics", price=30, max_num_bookings=2,
                             slots=[{"date": in_days(5), "time": "10:00"}, {"date": in_days(12), "time": "10:00"}])
    person_id, address = new_person(client, staff, "Olle")
    since = last_event_id(world)
    booking = post(client, "bookings", {"person_id": person_id, "offering_id": course["id"], "places": 2,
                                        "confirmed": False}, staff, 201)
    post(client, f"bookings/{booking['id']}/confirm", {}, staff)
    post(client, f"bookings/{booking['id']}/payments", {"payment_type": "Credit Card", "amount": 60}, staff, 201)
    post(client, f"bookings/{booking['id']}/cancel", {"settlement": "credit"}, staff)

    deliver(world, channel, since)

    reserved, confirmed, paid, credit, cancelled = smtp.inbox.to(address)
    assert confirmed.message["Subject"].startswith("Booking confirmed: Ceramics, ")
    assert reserved.message["Subject"].startswith("Place reserved: Ceramics, ")
    assert f"Your place is reserved; {world.tenant.name} will confirm it." in reserved.text
    assert "Dates: " in reserved.text and "Places: 2" in reserved.text
    assert [str(e["uid"]) for e in reserved.calendar().walk("VEVENT")] == [
        f"booking-{booking['id']}-slot-{slot['id']}.{world.tenant.slug}@book.example.org" for slot in course["slots"]]
    assert paid.message["Subject"] == "Payment received: £60.00 for Ceramics"
    assert credit.message["Subject"] == "Credit note: £60.00 for Ceramics"
    assert "We have issued you a credit note of £60.00." in credit.text
    assert all(e["status"] == "CANCELLED" for e in cancelled.calendar().walk("VEVENT"))


def test_what_the_staff_typed_is_escaped_in_the_html_email(client, world, staff, smtp, channel):
    slot = create_offering(client, staff, name='<b>Yoga</b> & "more"')["slots"][0]
    person_id, address = new_person(client, staff, "Pia")
    since = last_event_id(world)
    post(client, "bookings", {"person_id": person_id, "slot_id": slot["id"]}, staff, 201)

    deliver(world, channel, since)

    received = only_message(smtp, address)
    assert "&lt;b&gt;Yoga&lt;/b&gt; &amp; &#34;more&#34;" in received.html and "<b>Yoga" not in received.html
    assert '<b>Yoga</b> & "more"' in received.text and received.message["Subject"].startswith('Booking confirmed: <b>')


def test_one_date_of_a_course_moved_is_told_with_that_date_only(client, world, staff, smtp, channel):
    from email_support import in_days

    course = create_offering(client, staff, kind="course", name="Course",
                             slots=[{"date": in_days(5), "time": "10:00"}, {"date": in_days(12), "time": "10:00"}])
    person_id, address = new_person(client, staff, "Rut")
    booking = post(client, "bookings", {"person_id": person_id, "offering_id": course["id"]}, staff, 201)
    moved = course["slots"][1]
    since = last_event_id(world)
    assert client.patch(f"/api/v1/slots/{moved['id']}", json={"time": "11:15"}, headers=staff).status_code == 200

    deliver(world, channel, since)

    received = only_message(smtp, address)
    assert received.message["Subject"].endswith(" 11:15") and "Dates" not in received.text
    event = the_event(received.calendar())
    assert str(event["uid"]).startswith(f"booking-{booking['id']}-slot-{moved['id']}.")
    assert event.decoded("dtstart").time() == time(11, 15)


class FirstSendSlow(EmailChannel):
    """The real email channel, its first send held back a moment: a later message to the same
    member, claimed in the same round, would overtake it if the two were sent at once."""

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.held_back = False

    async def send(self, delivery: Delivery) -> Outcome:
        if not self.held_back:
            self.held_back = True
            await asyncio.sleep(0.3)
        return await super().send(delivery)


def test_a_members_messages_claimed_together_arrive_in_the_order_of_their_events(client, world, staff, smtp):
    slot = create_offering(client, staff)["slots"][0]
    person_id, address = new_person(client, staff, "Eva")
    other_id, other_address = new_person(client, staff, "Filip")
    since = last_event_id(world)
    booking = post(client, "bookings", {"slot_id": slot["id"], "person_id": person_id}, staff, 201)
    post(client, f"bookings/{booking['id']}/cancel", {}, staff)
    post(client, "bookings", {"slot_id": slot["id"], "person_id": other_id}, staff, 201)
    channel = FirstSendSlow(smtp.config())
    addressed = fan_out(world, channel, events_after(world, since))
    claimed = [Delivery(id=index + 1, tenant_id=world.tenant.id, event_id=event.id, channel="email",
                        target=message.target, payload=message.payload, attempt=1)
               for index, (event, message) in enumerate(addressed)]
    worker = DeliveryWorker(world.database, [channel])

    async def round_of_sends() -> list[Outcome]:
        try:
            return await worker.send(claimed)
        finally:
            await channel.close()

    outcomes = asyncio.run(round_of_sends())

    assert [outcome.delivered for outcome in outcomes] == [True] * 3
    assert [str(received.message["Subject"]).split(":")[0] for received in smtp.inbox.to(address)] == [
        "Booking confirmed", "Booking cancelled"]
    assert len(smtp.inbox.to(other_address)) == 1
    assert smtp.inbox.messages[0].rcpt_tos == [other_address]  # another member's message did not wait
