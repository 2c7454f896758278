"""Update a session and a slot (spec 001): only what is sent changes; booked slots are never dropped silently."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from bookingbug_support import BookingBug, error_of, texts, xml

from bookable.domain.recurrence import Repeat
from bookable.services.bookings import book
from bookable.storage import models as m

SPEC_UPDATE = (
    "<session> <name>My New Session Name</name> <slots> <slot> <date>2020-01-01</date> </slot>"
    " <slot> <date>2020-01-03</date> </slot> </slots> </session>"
)
SPEC_SLOT_UPDATE = "<slot> <date>2020-01-05</date> <time>11:30</time> <duration>35</duration> </slot>"


def booked(bb: BookingBug, slot_id: int, confirmed: bool = True) -> int:
    person = bb.world.person()
    with bb.world.uow() as uow:
        outcome = book(uow, bb.world.admin, person_id=person, slot_id=slot_id, confirmed=confirmed)
        uow.commit()
        return outcome.booking.id


def booking(bb: BookingBug, booking_id: int) -> m.Booking:
    with bb.world.uow(write=False) as uow:
        return uow.bookings.booking(booking_id)


def offering_of(bb: BookingBug, offering_id: int) -> m.Offering:
    with bb.world.uow(write=False) as uow:
        return uow.offerings.offering(offering_id)


def test_the_specs_update_renames_and_replaces_the_slots_with_the_sessions_time_and_duration(bb: BookingBug):
    offering = bb.world.offering(
        name="Old", group="Keep", start_time=time(18, 0), duration=75, spaces=5, price=Decimal("12.00")
    )
    (old_slot,) = bb.slots(offering.id)

    response = bb.put(f"/api/sessions/{offering.id}.xml", SPEC_UPDATE)

    assert response.status_code == 200, response.text
    after = offering_of(bb, offering.id)
    assert (after.name, after.group_name, after.spaces, after.price) == (
        "My New Session Name",
        "Keep",
        5,
        Decimal("12.00"),
    )
    assert (after.repeat, after.start_date, after.end_date) == (Repeat.CUSTOM, date(2020, 1, 1), date(2020, 1, 3))
    slots = bb.slots(offering.id)
    assert [(s.local_date, s.local_time, s.duration) for s in slots] == [
        (date(2020, 1, 1), time(18, 0), 75),
        (date(2020, 1, 3), time(18, 0), 75),
    ]
    assert old_slot.id not in {s.id for s in slots}
    with bb.world.uow(write=False) as uow:
        assert uow.session.get(m.Slot, old_slot.id).deleted is True
    shown = xml(response)
    assert shown.findtext("name") == "My New Session Name"
    assert [s.findtext("date") for s in shown.find("slots")] == ["2020-01-01", "2020-01-03"]


def test_an_update_changes_only_the_attributes_sent(bb: BookingBug):
    offering = bb.world.offering(
        name="Yoga",
        group="Classes",
        spaces=5,
        description="Mats provided",
        start_date=date(2030, 1, 7),
        end_date=date(2030, 1, 21),
        repeat=Repeat.WEEKLY,
    )
    before_slots = [(s.id, s.local_date, s.local_time) for s in bb.slots(offering.id)]

    response = bb.put(f"/api/sessions/{offering.id}.xml", "<session><spaces>9</spaces><price>3.50</price></session>")

    assert response.status_code == 200, response.text
    after = offering_of(bb, offering.id)
    assert (after.name, after.group_name, after.description) == ("Yoga", "Classes", "Mats provided")
    assert (after.spaces, after.price, after.repeat, after.end_date) == (9, Decimal("3.50"), 1, date(2030, 1, 21))
    slots = bb.slots(offering.id)
    assert [(s.id, s.local_date, s.local_time) for s in slots] == before_slots
    assert {s.spaces for s in slots} == {9}
    assert texts(xml(response))["spaces"] == "9"


def test_moving_an_events_start_date_moves_its_end_date_and_slot(bb: BookingBug):
    offering = bb.world.offering(start_date=date(2030, 2, 1), end_date=date(2030, 2, 1), start_time=time(9, 0))

    response = bb.put(
        f"/api/sessions/{offering.id}.xml", "<session><start_date>2030-02-08</start_date><time>10:15</time></session>"
    )

    assert response.status_code == 200, response.text
    after = offering_of(bb, offering.id)
    assert (after.start_date, after.end_date, after.start_time) == (date(2030, 2, 8), date(2030, 2, 8), time(10, 15))
    assert [(s.local_date, s.local_time) for s in bb.slots(offering.id)] == [(date(2030, 2, 8), time(10, 15))]


def test_replacing_slots_that_hold_bookings_is_refused_and_changes_nothing(bb: BookingBug):
    offering = bb.world.offering(name="Booked")
    (slot,) = bb.slots(offering.id)
    booking_id = booked(bb, slot.id, confirmed=False)

    response = bb.put(f"/api/sessions/{offering.id}.xml", SPEC_UPDATE)

    assert response.status_code == 409
    error = error_of(response)
    assert error.get("code") == "has_active_bookings" and "cancel" in error.text
    assert offering_of(bb, offering.id).name == "Booked"
    assert [s.id for s in bb.slots(offering.id)] == [slot.id]
    assert booking(bb, booking_id).status == "reserved"


def test_cancel_bookings_true_replaces_booked_slots_and_cancels_their_bookings(bb: BookingBug):
    offering = bb.world.offering(name="Booked")
    (slot,) = bb.slots(offering.id)
    booking_id = booked(bb, slot.id)

    response = bb.put(f"/api/sessions/{offering.id}.xml?cancel_bookings=true", SPEC_UPDATE)

    assert response.status_code == 200, response.text
    assert booking(bb, booking_id).status == "cancelled"
    assert [s.local_date for s in bb.slots(offering.id)] == [date(2020, 1, 1), date(2020, 1, 3)]


def test_slots_sent_again_at_the_same_date_and_time_keep_their_id_and_bookings(bb: BookingBug):
    offering = bb.world.offering(start_date=date(2030, 3, 1), end_date=date(2030, 3, 1), start_time=time(18, 0))
    (slot,) = bb.slots(offering.id)
    booking_id = booked(bb, slot.id)
    body = (
        "<session><slots><slot><date>2030-03-01</date><spaces_booked>1</spaces_booked></slot>"
        "<slot><date>2030-03-08</date><time>19:00</time><duration>30</duration></slot></slots></session>"
    )

    response = bb.put(f"/api/sessions/{offering.id}.xml", body)

    assert response.status_code == 200, response.text
    slots = bb.slots(offering.id)
    assert slots[0].id == slot.id and len(slots) == 2
    assert booking(bb, booking_id).status == "confirmed"
    assert [s.findtext("spaces_booked") for s in xml(response).find("slots")] == ["1", "0"]


def test_a_sessions_type_cannot_be_changed(bb: BookingBug):
    offering = bb.world.offering()

    response = bb.put(f"/api/sessions/{offering.id}.xml", "<session><type>course</type><name>X</name></session>")

    assert response.status_code == 422
    assert error_of(response).get("field") == "type"
    assert offering_of(bb, offering.id).kind == "event" and offering_of(bb, offering.id).name == "Spinning"


def test_sending_the_sessions_own_type_back_is_fine(bb: BookingBug):
    offering = bb.world.offering()

    response = bb.put(f"/api/sessions/{offering.id}.xml", "<session><type>0</type><name>Renamed</name></session>")

    assert response.status_code == 200
    assert offering_of(bb, offering.id).name == "Renamed"


def test_the_specs_slot_update_moves_one_slot(bb: BookingBug):
    offering = bb.world.offering(start_date=date(2030, 1, 7), end_date=date(2030, 1, 14), repeat=Repeat.WEEKLY)
    first, second = bb.slots(offering.id)
    booking_id = booked(bb, first.id)

    response = bb.put(f"/api/slots/{first.id}.xml", SPEC_SLOT_UPDATE)

    assert response.status_code == 200, response.text
    moved = {s.id: s for s in bb.slots(offering.id)}[first.id]
    assert (moved.local_date, moved.local_time, moved.duration) == (date(2020, 1, 5), time(11, 30), 35)
    assert moved.starts_at.astimezone(UTC) == datetime(2020, 1, 5, 10, 30, tzinfo=UTC)
    assert moved.ends_at - moved.starts_at == timedelta(minutes=35)
    untouched = {s.id: s for s in bb.slots(offering.id)}[second.id]
    assert (untouched.local_date, untouched.local_time) == (second.local_date, second.local_time)
    assert booking(bb, booking_id).status == "confirmed"
    shown = xml(response)
    assert shown.tag == "slot" and shown.get("id") == str(first.id)
    assert [(c.tag, c.text) for c in shown] == [
        ("date", "2020-01-05"),
        ("spaces_booked", "1"),
        ("spaces_reserved", "0"),
        ("time", "11:30"),
        ("duration", "35"),
    ]


def test_a_slot_update_changes_only_what_is_sent(bb: BookingBug):
    offering = bb.world.offering(start_date=date(2030, 1, 7), start_time=time(18, 0), duration=60)
    (slot,) = bb.slots(offering.id)

    response = bb.put(f"/api/slots/{slot.id}.xml", "<slot><duration>45</duration></slot>")

    assert response.status_code == 200, response.text
    (after,) = bb.slots(offering.id)
    assert (after.local_date, after.local_time, after.duration) == (date(2030, 1, 7), time(18, 0), 45)
