"""A product not bookable from the internet keeps its classes and events out of members' reach,
even when the offering itself allows it: in lists and in bookings (domain.booking.bookable_online)."""

from __future__ import annotations

from datetime import time, timedelta

from brp_support import document, error_of, make_offering
from tests.local_dates import local_today

from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.storage import models as m

START = local_today() + timedelta(days=3)


def _offline_product_class(brp):  # type: ignore[no-untyped-def]
    offering = make_offering(brp.world, product=brp.catalogue.yoga, start_date=START, bookable_from_internet=True)
    with brp.world.uow(write=False) as uow:
        return uow.offerings.slots_of(offering.id)[0].id


def _listed(brp, resource, **params):  # type: ignore[no-untyped-def]
    response = brp.get(resource, "json", member=False, fromdate=START.isoformat(), todate=START.isoformat(),
                       **params)
    assert response.status_code == 200, response.text
    _, content = document(response)
    items = content.get("activity", content) if isinstance(content, dict) else content
    return [int(item["id"]) for item in (items if isinstance(items, list) else [items]) if item]


def test_an_activity_of_a_product_not_bookable_online_is_listed_only_when_asked_for(brp):
    activity = _offline_product_class(brp)
    assert activity not in _listed(brp, "activities")
    assert activity in _listed(brp, "activities", bookablefrominternet="false")


def test_a_member_cannot_book_an_activity_whose_product_is_not_bookable_online(brp):
    activity = _offline_product_class(brp)
    response = brp.post("bookings", "xml", form={"type": "ordinary", "activityid": activity})
    assert response.status_code == 409 and error_of(response)["code"] == "2008"
    with brp.world.uow(write=False) as uow:
        assert uow.session.query(m.Booking).filter(m.Booking.slot_id == activity).count() == 0


def test_a_member_cannot_book_an_event_whose_product_is_not_bookable_online(brp):
    with brp.world.uow() as uow:
        uow.session.get(m.Product, brp.catalogue.event_product).bookable_from_internet = False
        uow.commit()
    event = make_offering(brp.world, kind=Kind.EVENT, name="Spinntour", product=brp.catalogue.event_product,
                          start_date=START, start_time=time(10, 0), repeat=Repeat.NONE, spaces=20)
    response = brp.post("eventbookings", "xml", form={"eventid": event.id, "type": "ordinary"})
    assert response.status_code == 409 and error_of(response)["code"] == "2008"
    listed = brp.get("events", "json", member=False)
    assert str(event.id) not in listed.text
