"""Destroy a session (spec 001): 200 OK; refused while it holds active bookings unless asked to cancel them."""

from __future__ import annotations

from bookingbug_support import BookingBug, error_of, xml

from bookable.services.bookings import book
from bookable.storage import models as m


def test_destroying_a_session_answers_200_and_it_is_gone_from_list_and_show(bb: BookingBug):
    offering = bb.world.offering(name="Gone", group="G")
    kept = bb.world.offering(name="Kept")

    response = bb.delete(f"/api/sessions/{offering.id}.xml")

    assert response.status_code == 200
    assert xml(response).get("id") == str(offering.id) and xml(response).findtext("name") == "Gone"
    assert [s.get("id") for s in xml(bb.get("/api/sessions.xml")).findall("session")] == [str(kept.id)]
    assert bb.get(f"/api/sessions/{offering.id}.xml").status_code == 404
    with bb.world.uow(write=False) as uow:
        row = uow.session.get(m.Offering, offering.id)
        assert row.deleted is True
        assert all(slot.deleted for slot in uow.session.query(m.Slot).filter_by(offering_id=offering.id))


def test_destroying_a_session_with_active_bookings_is_refused_with_409_and_changes_nothing(bb: BookingBug):
    offering = bb.world.offering()
    (slot,) = bb.slots(offering.id)
    person = bb.world.person()
    with bb.world.uow() as uow:
        booking_id = book(uow, bb.world.admin, person_id=person, slot_id=slot.id).booking.id
        uow.commit()

    response = bb.delete(f"/api/sessions/{offering.id}.xml")

    assert response.status_code == 409
    assert error_of(response).get("code") == "has_active_bookings"
    with bb.world.uow(write=False) as uow:
        assert uow.offerings.offering(offering.id) is not None
        assert uow.offerings.slot(slot.id) is not None
        assert uow.bookings.booking(booking_id).status == "confirmed"


def test_cancel_bookings_true_destroys_the_session_and_keeps_the_cancelled_bookings(bb: BookingBug):
    offering = bb.world.offering()
    (slot,) = bb.slots(offering.id)
    person = bb.world.person()
    with bb.world.uow() as uow:
        booking_id = book(uow, bb.world.admin, person_id=person, slot_id=slot.id).booking.id
        uow.commit()

    response = bb.delete(f"/api/sessions/{offering.id}.xml?cancel_bookings=true")

    assert response.status_code == 200
    with bb.world.uow(write=False) as uow:
        assert uow.offerings.offering(offering.id) is None
        assert uow.bookings.booking(booking_id).status == "cancelled"


def test_destroying_an_unknown_session_is_404(bb: BookingBug):
    response = bb.delete("/api/sessions/987654321.xml")

    assert response.status_code == 404
    assert error_of(response).get("code") == "not_found"


def test_destroying_twice_is_404_the_second_time(bb: BookingBug):
    offering = bb.world.offering()

    assert bb.delete(f"/api/sessions/{offering.id}.xml").status_code == 200
    assert bb.delete(f"/api/sessions/{offering.id}.xml").status_code == 404
