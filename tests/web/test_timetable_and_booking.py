"""The timetable and its forms, through the real app: what a visitor sees and can do, and that what a
page does is at once what every API sees."""

from __future__ import annotations

from datetime import time, timedelta

from web_support import fill, in_days

from bookable.domain.offering import Kind
from bookable.services.bookings import cancel
from bookable.storage import models as m


def slot_of(world, **spec):
    return world.slots(world.offering(**spec).id)[0]


def status_of(world, booking_id):
    with world.uow(write=False) as uow:
        return uow.bookings.booking(booking_id).status


def bookings_of(world, person_id, slot_id):
    with world.uow(write=False) as uow:
        return [b for b in uow.bookings.of_person(person_id) if b.slot_id == slot_id]


def test_the_timetable_shows_a_weeks_classes_by_day_with_places_waiting_list_and_what_can_be_done(world, visitor):
    open_slot = slot_of(world, name="Spinning", spaces=5, start_date=in_days(3), start_time=time(18, 0))
    full = slot_of(world, name="Yin Yoga", spaces=2, start_date=in_days(3), start_time=time(19, 30))
    fill(world, full.id, 4, waiting=True)
    page = visitor.week_of(in_days(3))
    assert page.status == 200
    assert "18:00–19:00" in page.card(open_slot.id) and "5 of 5 places free" in page.card(open_slot.id)
    assert "Log in to book" in page.card(open_slot.id)
    assert "0 of 2 places free" in page.card(full.id) and "2 on the waiting list" in page.card(full.id)
    assert "Full: waiting list open" in page.card(full.id)
    assert page.doc.xpath(f'//section[.//li[@id="slot-{open_slot.id}"]]/h3')[0].text_content().startswith(
        in_days(3).strftime("%A"))


def test_a_logged_in_member_books_a_class_and_the_booking_is_at_once_what_the_apis_see(world, member, logged_in):
    slot = slot_of(world, spaces=5, start_date=in_days(2))
    page = logged_in.week_of(in_days(2))
    assert "Book" in page.card(slot.id)
    done = logged_in.post("book", page.form("/book", slot=slot.id))
    assert done.status == 200 and "You are booked." in done.message()
    assert "You are booked" in done.card(slot.id) and "4 of 5 places free" in done.card(slot.id)
    [booking] = bookings_of(world, member.person_id, slot.id)
    assert (booking.status, booking.channel, booking.places) == ("confirmed", "web", 1)
    with world.uow(write=False) as uow:
        assert [entry.channel for entry in uow.audit.entries(entity="booking")][-1] == "web"


def test_a_double_click_books_once_and_the_second_post_is_answered_as_done(world, member, logged_in):
    slot = slot_of(world, spaces=5, start_date=in_days(2))
    fields = logged_in.week_of(in_days(2)).form("/book", slot=slot.id)
    first, second = logged_in.post("book", fields), logged_in.post("book", fields)
    assert "You are booked." in first.message()
    assert "nothing more was done" in second.message()
    assert len(bookings_of(world, member.person_id, slot.id)) == 1


def test_a_full_class_is_joined_on_the_waiting_list_with_the_position_and_the_promotion_shows(
        world, member, logged_in):
    slot = slot_of(world, spaces=1, start_date=in_days(2))
    holder, first_waiting = fill(world, slot.id, 2, waiting=True)
    page = logged_in.week_of(in_days(2))
    assert "You will be number 2." in page.card(slot.id)
    joined = logged_in.post("book", page.form("/book", slot=slot.id, waiting=1))
    assert "You are on the waiting list." in joined.message()
    assert "You are number 2 on the waiting list" in joined.card(slot.id)
    [waiting] = bookings_of(world, member.person_id, slot.id)
    with world.uow() as uow:
        cancel(uow, world.admin, holder)  # promotes the first waiting booking
        cancel(uow, world.admin, first_waiting)  # and this one, the member's
        uow.commit()
    assert status_of(world, waiting.id) == "confirmed"
    assert "You are booked" in logged_in.week_of(in_days(2)).card(slot.id)
    assert "moved up from the waiting list" in logged_in.get("bookings").card_text(waiting.id)


def test_a_member_cancels_within_the_window_and_is_told_why_not_after_it(world, member, logged_in):
    later = slot_of(world, spaces=3, start_date=in_days(5), min_cancel=1)
    soon = slot_of(world, spaces=3, start_date=in_days(1), start_time=time(23, 0), min_cancel=2, name="Soon")
    for slot in (later, soon):
        logged_in.post("book", logged_in.week_of(slot.local_date).form("/book", slot=slot.id))
    [booking], [late] = bookings_of(world, member.person_id, later.id), bookings_of(world, member.person_id, soon.id)
    assert "Cancelling closed at" in logged_in.week_of(soon.local_date).card(soon.id)
    page = logged_in.week_of(later.local_date)
    assert "You can cancel until" in page.card(later.id)
    done = logged_in.post("cancel", page.form("/cancel", booking=booking.id))
    assert "Your booking is cancelled." in done.message() and "Book" in done.card(later.id)
    assert status_of(world, booking.id) == "cancelled"
    mine = logged_in.get("bookings")
    assert "Cancelling closed at" in mine.card_text(late.id) and not mine.forms_with("/cancel", booking=late.id)
    assert status_of(world, late.id) == "confirmed"


def test_a_post_after_the_deadline_changes_nothing_and_says_why(world, member, logged_in):
    slot = slot_of(world, spaces=3, start_date=in_days(1), start_time=time(23, 0), min_cancel=2)
    from bookable.domain.actors import Actor, Channel, Role
    from bookable.services.bookings import book

    with world.uow() as uow:
        booking = book(uow, Actor(world.tenant.id, "x", Role.STAFF, Channel.NATIVE), person_id=member.person_id,
                       slot_id=slot.id).booking
        uow.commit()
    csrf = logged_in.get("bookings").form("/calendar/new")["csrf"]  # the session's, as every form has it
    done = logged_in.post("cancel", {"csrf": csrf, "token": "x" * 22, "booking": booking.id, "back": "bookings"})
    assert "It is too late to cancel this booking." in done.message()
    assert status_of(world, booking.id) == "confirmed"


def test_a_course_shows_all_its_dates_and_is_booked_as_a_whole(world, member, logged_in):
    from bookable.domain.recurrence import LocalOccurrence

    first = in_days(2)
    dates = tuple(LocalOccurrence(first + timedelta(days=7 * week), time(18, 0), 60) for week in range(3))
    course = world.offering(kind=Kind.COURSE, name="Running school", spaces=4, start_date=first,
                            end_date=dates[-1].date, custom_slots=dates)
    slots = world.slots(course.id)
    page = logged_in.week_of(first)
    card = page.card(slots[0].id)
    assert "Course, 3 dates" in card and "Book the course" in card
    done = logged_in.post("book", page.form("/book", course=course.id))
    assert "You are booked." in done.message()
    with world.uow(write=False) as uow:
        [booking] = uow.bookings.of_person(member.person_id)
    assert (booking.offering_id, booking.slot_id) == (course.id, None)
    assert "3 of 4 places free" in logged_in.week_of(dates[1].date).card(slots[1].id)


def test_a_visitor_sees_when_booking_opens_and_when_it_is_too_late(world, visitor):
    far = slot_of(world, start_date=in_days(20), max_advance=7, name="Far")
    cancelled = slot_of(world, start_date=in_days(2), name="Off")
    from bookable.services.offerings import set_slot_cancelled

    with world.uow() as uow:
        set_slot_cancelled(uow, world.admin, cancelled.id, True)
        uow.commit()
    assert "Opens for booking" in visitor.week_of(far.local_date).card(far.id)
    assert "Cancelled" in visitor.week_of(cancelled.local_date).card(cancelled.id)


def test_the_timetable_filters_by_venue_product_group_product_and_instructor(world, visitor):
    with world.uow() as uow:
        north = uow.catalog.add(m.BusinessUnit(tenant_id=world.tenant.id, name="North"))
        uow.commit()
    from bookable.domain.offering import OfferingSpec
    from bookable.domain.recurrence import Repeat
    from bookable.services.offerings import Placement, create_offering

    with world.uow() as uow:
        spec = OfferingSpec(kind=Kind.EVENT, name="Boxing", group="x", start_date=in_days(2), start_time=time(8, 0),
                            duration=60, spaces=5, min_cancel=0, repeat=Repeat.NONE)
        boxing = create_offering(uow, world.admin, spec, Placement(business_unit_id=north.id))
        uow.commit()
    other = slot_of(world, name="Pilates", start_date=in_days(2))
    [boxing_slot] = world.slots(boxing.id)
    page = visitor.get("", week=in_days(2).isoformat(), unit=north.id)
    assert page.doc.xpath(f'//li[@id="slot-{boxing_slot.id}"]') and not page.doc.xpath(f'//li[@id="slot-{other.id}"]')
    venues = page.doc.xpath('//select[@id="filter-unit"]/option')
    assert [(option.get("value"), option.text) for option in venues][:1] == [("", "All")]
    assert [option.text for option in venues if option.get("selected") is not None] == ["North"]
    assert not visitor.get("", week=in_days(2).isoformat()).doc.xpath('//select[@id="filter-unit"]/option[@selected]')
    assert visitor.get("", week=in_days(2).isoformat(), unit="999999999").has("No classes this day.")
    assert visitor.get("", week="not-a-date", unit="x'; drop").status == 200


def test_an_offering_of_several_places_per_booking_offers_them_and_the_engine_holds_its_limit(
        world, member, logged_in):
    slot = slot_of(world, spaces=10, max_num_bookings=3, start_date=in_days(2))
    page = logged_in.week_of(in_days(2))
    assert page.doc.xpath(f'//select[@id="places-{slot.id}"]/option/text()') == ["1", "2", "3"]
    fields = page.form("/book", slot=slot.id)
    refused = logged_in.post("book", {**fields, "places": "4"})
    assert "That number of places cannot be booked." in refused.message()
    assert bookings_of(world, member.person_id, slot.id) == []
    logged_in.post("book", {**logged_in.week_of(in_days(2)).form("/book", slot=slot.id), "places": "2"})
    [booking] = bookings_of(world, member.person_id, slot.id)
    assert booking.places == 2


def test_a_failure_on_our_side_is_a_page_in_the_visitors_language_and_no_trace(world, app, monkeypatch):
    from fastapi.testclient import TestClient

    from bookable.web import engine

    async def broken(*args, **kwargs):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(engine, "week", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"/{world.tenant.slug}/", headers={"Accept-Language": "sv"})
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
    assert "Något gick fel hos oss, och ingenting ändrades." in response.text
    assert "caught fire" not in response.text and "Traceback" not in response.text
