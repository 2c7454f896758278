"""A member books and cancels on the web pages of a live server (uvicorn on a free port), in
Swedish; the events those pages recorded become Swedish emails in a real SMTP server's inbox."""

from __future__ import annotations

from datetime import timedelta

import httpx
from email_support import deliver, last_event_id, set_language
from tests.conftest import add_member
from tests.live_server import serving
from tests.local_dates import local_today
from tests.web.web_support import Visitor

from bookable.api.app import create_app


def test_a_booking_and_a_cancellation_on_the_swedish_pages_are_told_by_swedish_email(world, smtp, channel):
    set_language(world, "sv")
    person_id, email_address, password = add_member(world)
    slot = world.slots(world.offering(name="Cirkelträning", start_date=local_today() + timedelta(days=4)).id)[0]
    since = last_event_id(world)

    with serving(create_app(world.database, roll_horizons=False)) as url, httpx.Client(base_url=url) as http:
        visitor = Visitor(http, world.tenant.slug)
        assert visitor.log_in(email_address, password).status == 200
        booked = visitor.post("book", visitor.week_of(slot.local_date).form("/book", slot=slot.id))
        assert booked.status == 200
        with world.uow(write=False) as uow:
            [booking] = uow.bookings.of_person(person_id, ("confirmed",))
        cancelled = visitor.post("cancel", visitor.get("bookings").form("/cancel", booking=booking.id))
        assert cancelled.status == 200

    deliver(world, channel, since)

    confirmed, cancellation = smtp.inbox.to(email_address)
    assert confirmed.message["Subject"].startswith("Bokning bekräftad: Cirkelträning, ")
    assert "Hej Anna," in confirmed.text and "Din plats är bokad." in confirmed.text
    assert f"{channel.config.public_url}/{world.tenant.slug}/bookings" in confirmed.text
    assert cancellation.message["Subject"].startswith("Bokning avbokad: Cirkelträning, ")
    assert "Du avbokade din bokning." in cancellation.text
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(booking.id).status == "cancelled"
