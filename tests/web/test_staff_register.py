"""The staff pages through the real app: who may see them, the timetable of every slot, and a slot's
register (one-tap attendance, volunteering, confirm, promote, walk-ins, print and CSV), each change
seen at once by the Views API and in the database; forged, repeated and foreign forms change
nothing. On SQLite and PostgreSQL (the `database` fixture)."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from datetime import time

from staff_support import a_class, booked
from tests.conftest import add_member
from web_support import Page, Visitor, fill, in_days

from bookable.services import accounts, register
from bookable.services.bookings import WaitlistPolicy, book
from bookable.storage.unit_of_work import UnitOfWork


def register_of(desk: Visitor, slot_id: int, **params) -> Page:
    page = desk.get(f"staff/slots/{slot_id}/register", **params)
    assert page.status == 200, page.text[:500]
    return page


def participant(page: Page, booking_id: int) -> str:
    [element] = page.doc.xpath(f'//li[@id="booking-{booking_id}"]')
    return " ".join(element.text_content().split())


def attendance_rows(world, slot_id: int) -> dict[int, tuple[bool, str]]:
    with world.uow(write=False) as uow:
        return {booking_id: (row.attended, row.volunteering)
                for booking_id, row in uow.bookings.attendance_for_slot(slot_id).items()}


def views_register(client, staff_login, slot_id: int) -> dict:
    token = base64.b64encode(f"{staff_login[0]}:{staff_login[1]}".encode()).decode()
    response = client.get(f"/api/restful/work/sessiongroups/sessions/{slot_id}/participants",
                          headers={"Authorization": f"Basic {token}", "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return {p["id"]: p for p in response.json()["session"]["participants"]}


# ---------------------------------------------------------------- who may see the staff pages


def test_an_anonymous_visitor_is_sent_to_log_in_and_comes_back_to_the_staff_page(visitor, staff_login):
    response = visitor.client.get(f"/{visitor.slug}/staff/", follow_redirects=False)
    assert response.status_code == 303 and "/login?next=" in response.headers["location"]
    fields = visitor.get("login", next=f"/{visitor.slug}/staff/").form("/login")
    page = visitor.post("login", {**fields, "login": staff_login[0], "password": staff_login[1]})
    assert page.url.endswith("/staff/") and page.has("Timetable") and page.has("Staff")


def test_a_staff_user_logging_in_with_nowhere_else_to_go_lands_on_the_staff_pages(visitor, staff_login):
    page = visitor.log_in(*staff_login)
    assert page.url.endswith(f"/{visitor.slug}/staff/") and page.has("Timetable")
    assert visitor.get("").doc.xpath(f'//a[@href="/{visitor.slug}/staff/"]')  # the members' site links back


def test_a_member_gets_the_403_page_on_every_staff_page(visitor, member, world):
    slot = a_class(world)
    visitor.log_in(member.email, member.password)
    for path in ("staff/", f"staff/slots/{slot.id}/register", f"staff/slots/{slot.id}/register.csv",
                 f"staff/slots/{slot.id}/register/print"):
        page = visitor.get(path)
        assert page.status == 403 and "These pages are for the staff" in page.message(), path


def test_a_disabled_user_or_a_changed_password_loses_the_staff_pages_at_once(desk, staff_login, world, database):
    assert desk.get("staff/").status == 200
    with UnitOfWork(database, world.tenant.id) as uow:
        accounts.reset_password(uow, staff_login[0], "a-new-password")
        uow.commit()
    response = desk.client.get(f"/{desk.slug}/staff/", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]
    desk.log_in(staff_login[0], "a-new-password")
    assert desk.get("staff/").status == 200
    with UnitOfWork(database, world.tenant.id) as uow:
        accounts.set_user_disabled(uow, staff_login[0], True)
        uow.commit()
    assert desk.client.get(f"/{desk.slug}/staff/", follow_redirects=False).status_code == 303


def test_the_staff_pages_speak_swedish_and_english(desk, world):
    slot = a_class(world)
    page = desk.get(f"staff/slots/{slot.id}/register", lang="sv")
    assert page.doc.get("lang") == "sv" and page.has("Närvarolista") and page.has("Väntelista")
    page = desk.get("staff/", lang="en")
    assert page.doc.get("lang") == "en" and page.has("Timetable")


# ---------------------------------------------------------------- the timetable


def test_the_timetable_shows_each_slot_booked_reserved_waiting_capacity_and_online_capacity(desk, world):
    slot = a_class(world, spaces=2, online_spaces=1)
    fill(world, slot.id, 3, waiting=True)
    other = a_class(world, spaces=4)
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person("Res", "Erved"), slot_id=other.id, confirmed=False,
             override_window=True)
        uow.commit()
    day = desk.get("staff/", day=in_days(2).isoformat())
    [row] = day.doc.xpath(f'//tr[@id="slot-{slot.id}"]')
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[1].startswith("Spinning") and cells[2:7] == ["2", "0", "1", "2", "1"]
    [row] = day.doc.xpath(f'//tr[@id="slot-{other.id}"]')
    assert [" ".join(td.text_content().split()) for td in row.xpath("td")][2:7] == ["0", "1", "0", "4", "4"]
    assert row.xpath(".//a/@href") == [f"/{desk.slug}/staff/slots/{other.id}/register"]
    week = desk.get("staff/", day=in_days(2).isoformat(), view="week")
    assert len(week.doc.xpath('//section[contains(@class, "day")]')) == 7
    assert week.doc.xpath(f'//tr[@id="slot-{slot.id}"]')
    assert not desk.get("staff/", day=in_days(3).isoformat()).doc.xpath(f'//tr[@id="slot-{slot.id}"]')


def test_a_course_slot_counts_the_whole_course_bookings(desk, world):
    from bookable.domain.offering import Kind
    from bookable.domain.recurrence import Repeat

    course = world.offering(kind=Kind.COURSE, repeat=Repeat.WEEKLY, start_date=in_days(2), end_date=in_days(9),
                            spaces=6)
    first = world.slots(course.id)[0]
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person("Kurs", "Deltagare"), offering_id=course.id,
             override_window=True)
        uow.commit()
    [row] = desk.get("staff/", day=in_days(2).isoformat()).doc.xpath(f'//tr[@id="slot-{first.id}"]')
    assert [" ".join(td.text_content().split()) for td in row.xpath("td")][2] == "1"
    assert participant(register_of(desk, first.id), [*register_ids(world, first.id)][0]).startswith("Kurs")


def register_ids(world, slot_id):
    with world.uow(write=False) as uow:
        session = register.session_of(uow, slot_id)
        return [row.booking.id for row in register.participants(uow, session)]


def test_unreadable_or_far_days_show_today(desk):
    for day in ("not-a-date", "1999-01-01", "2026-13-40"):
        assert desk.get("staff/", day=day).status == 200


# ---------------------------------------------------------------- the register


def test_one_tap_ticks_attendance_the_views_api_shows_it_and_a_second_tap_undoes_it(desk, world, client,
                                                                                     staff_login):
    slot = a_class(world, days=-7)
    ella = booked(world, slot.id)
    page = register_of(desk, slot.id)
    assert "Ella Berg" in participant(page, ella)
    tick = page.form("/attendance", booking=ella)
    assert tick["attended"] == "1"
    after = desk.post(f"staff/slots/{slot.id}/attendance", tick)
    assert "Marked as attended." in after.message() and after.url.endswith(f"#booking-{ella}")
    assert attendance_rows(world, slot.id)[ella][0] is True
    assert views_register(client, staff_login, slot.id)[ella]["Attended"] == 1
    assert desk.post(f"staff/slots/{slot.id}/attendance", tick).message().startswith("That form had been sent")
    undo = after.form("/attendance", booking=ella)
    assert undo["attended"] == "0"
    desk.post(f"staff/slots/{slot.id}/attendance", undo)
    assert views_register(client, staff_login, slot.id)[ella]["Attended"] == 0


def test_volunteering_roles_are_saved_and_the_views_api_shows_them(desk, world, client, staff_login):
    slot = a_class(world, days=-7)
    ella = booked(world, slot.id)
    fields = register_of(desk, slot.id).form("/volunteering", booking=ella)
    page = desk.post(f"staff/slots/{slot.id}/volunteering", {**fields, "volunteering": "Made Coffee | Driver"})
    assert "Volunteering roles saved." in page.message()
    assert "Volunteering: Made Coffee, Driver" in participant(page, ella)
    assert views_register(client, staff_login, slot.id)[ella]["Volunteering"] == "Made Coffee|Driver"
    too_long = register_of(desk, slot.id).form("/volunteering", booking=ella)
    page = desk.post(f"staff/slots/{slot.id}/volunteering", {**too_long, "volunteering": "x" * 501})
    assert "longer than" in page.message() or "not right" in page.message()
    assert attendance_rows(world, slot.id)[ella] == (True, "Made Coffee|Driver")  # started: attended by default


def test_confirm_and_unconfirm_a_booking(desk, world):
    slot = a_class(world)
    person = world.person("Tove", "Ek")
    with world.uow() as uow:
        reserved = book(uow, world.admin, person_id=person, slot_id=slot.id, confirmed=False).booking.id
        uow.commit()
    page = register_of(desk, slot.id)
    assert "Reserved" in participant(page, reserved)
    page = desk.post(f"staff/slots/{slot.id}/confirm", page.form("/confirm", booking=reserved))
    assert "The booking is confirmed." in page.message() and "Confirmed" in participant(page, reserved)
    page = desk.post(f"staff/slots/{slot.id}/confirm", page.form("/confirm", booking=reserved))
    assert "unconfirmed" in page.message()
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(reserved).status == "reserved"


def desk_user(desk: Visitor) -> str:
    return desk.get("staff/").doc.xpath('//li[@class="who"]/span')[0].text_content().split()[-1]


def test_staff_promote_a_waiting_booking_of_their_choice_when_a_place_is_free(desk, world, database):
    slot = a_class(world, spaces=1)
    _, first, second = fill(world, slot.id, 3, waiting=True)
    page = register_of(desk, slot.id)
    assert [li.get("id") for li in page.doc.xpath('//ol[@class="waiting"]/li')] == [f"booking-{first}",
                                                                                     f"booking-{second}"]
    refused = desk.post(f"staff/slots/{slot.id}/promote", page.form("/promote", booking=second))
    assert "not enough free places" in refused.message()
    with world.uow() as uow:
        uow.offerings.slot(slot.id).spaces = 2  # a place more, and no automatic promotion into it
        uow.commit()
    page = desk.post(f"staff/slots/{slot.id}/promote", register_of(desk, slot.id).form("/promote", booking=second))
    assert "Promoted from the waiting list." in page.message() and "Confirmed" in participant(page, second)
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(second).status == "confirmed"
        assert uow.bookings.booking(first).status == "waitlisted"
        last = uow.audit.entries(entity="booking")[-1]
        assert (last.action, last.channel, last.actor) == ("booking.promoted", "web", desk_user(desk))


def test_a_walk_in_is_found_by_name_email_or_card_and_booked_outside_the_booking_window(desk, world):
    slot = a_class(world, days=-1)  # started yesterday: members can no longer book it
    card = f"K{uuid.uuid4().int % 10**6}"
    person_id, email, _ = add_member(world, card_number=card)
    for query in ("anna lars", email.upper(), card):
        found = register_of(desk, slot.id, q=query)
        assert found.forms_with("/walk-in", person=person_id), query
    assert register_of(desk, slot.id, q="nobody-like-this").has("Nobody found.")
    fields = register_of(desk, slot.id, q=card).form("/walk-in", person=person_id)
    page = desk.post(f"staff/slots/{slot.id}/walk-in", fields)
    assert "Added to the register." in page.message()
    again = desk.post(f"staff/slots/{slot.id}/walk-in", fields)
    assert again.message().startswith("That form had been sent")
    with world.uow(write=False) as uow:
        [booking] = uow.bookings.active_on_slots([slot.id])
        assert booking.person_id == person_id and booking.channel == "web"


def test_a_walk_in_on_a_full_class_joins_the_waiting_list_when_asked(desk, world):
    slot = a_class(world, spaces=1)
    fill(world, slot.id, 1)
    person = world.person("Walk", "In")
    fields = register_of(desk, slot.id, q="walk").form("/walk-in", person=person)
    assert "not enough free places" in desk.post(f"staff/slots/{slot.id}/walk-in", fields).message()
    fields = register_of(desk, slot.id, q="walk").form("/walk-in", person=person)
    page = desk.post(f"staff/slots/{slot.id}/walk-in", {**fields, "waiting": "1"})
    assert "added to the waiting list" in page.message()


def test_a_paid_walk_in_needs_a_payment_and_a_bad_amount_changes_nothing(desk, world):
    from decimal import Decimal

    slot = a_class(world, price=Decimal("20.00"))
    person = world.person("Paying", "Guest")
    fields = register_of(desk, slot.id, q="paying").form("/walk-in", person=person)
    assert fields["amount"] == "20.00"
    assert "This class is paid for" in desk.post(f"staff/slots/{slot.id}/walk-in", fields).message()
    fields = register_of(desk, slot.id, q="paying").form("/walk-in", person=person)
    bad = desk.post(f"staff/slots/{slot.id}/walk-in", {**fields, "payment_type": "Cash", "amount": "12,50"})
    assert "The amount must be a number" in bad.message()
    with world.uow(write=False) as uow:
        assert uow.bookings.active_on_slots([slot.id]) == []
    fields = register_of(desk, slot.id, q="paying").form("/walk-in", person=person)
    page = desk.post(f"staff/slots/{slot.id}/walk-in", {**fields, "payment_type": "Cash", "amount": "15"})
    [booking] = page.doc.xpath('//ul[@class="register"]/li/@id')
    assert "Owes £5.00" in participant(page, int(booking.split("-")[1]))


def test_the_print_view_and_the_csv_export(desk, world, client):
    slot = a_class(world, days=-7)
    ella = booked(world, slot.id, first="=cmd")
    desk.post(f"staff/slots/{slot.id}/attendance", register_of(desk, slot.id).form("/attendance", booking=ella))
    printed = desk.get(f"staff/slots/{slot.id}/register/print")
    assert printed.status == 200 and printed.has("=cmd Berg") and not printed.forms("/attendance")
    response = client.get(f"/{desk.slug}/staff/slots/{slot.id}/register.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["Booking", "ContactID", "First name", "Last name"]
    assert rows[1][0] == str(ella) and rows[1][2] == "'=cmd" and rows[1][8] == "1"


# ---------------------------------------------------------------- what no form or URL can do


def test_another_tenants_slots_and_bookings_are_404_pages_and_change_nothing(desk, world, foreign):
    their_slot, their_booking, their_world = foreign
    for path in (f"staff/slots/{their_slot.id}/register", f"staff/slots/{their_slot.id}/register/print",
                 f"staff/slots/{their_slot.id}/register.csv", "staff/slots/99999999/register",
                 "staff/slots/0/register"):
        assert desk.get(path).status == 404, path
    mine = a_class(world)
    ella = booked(world, mine.id)
    fields = register_of(desk, mine.id).form("/attendance", booking=ella)
    assert desk.post(f"staff/slots/{their_slot.id}/attendance", {**fields, "booking": their_booking}).status == 404
    fields = register_of(desk, mine.id).form("/attendance", booking=ella)
    assert desk.post(f"staff/slots/{mine.id}/attendance", {**fields, "booking": their_booking}).status == 404
    fields = register_of(desk, mine.id).form("/confirm", booking=ella)
    assert desk.post(f"staff/slots/{mine.id}/confirm", {**fields, "booking": their_booking}).status == 404
    person = their_world.person("Foreign", "Person")
    fields = register_of(desk, mine.id, q="berg").form("/walk-in")
    assert desk.post(f"staff/slots/{mine.id}/walk-in", {**fields, "person": person}).status == 404
    assert not register_of(desk, mine.id, q="foreign").forms("/walk-in")
    assert attendance_rows(their_world, their_slot.id) == {} and attendance_rows(world, mine.id) == {}
    with their_world.uow(write=False) as uow:
        assert uow.bookings.booking(their_booking).status == "confirmed"
    with world.uow(write=False) as uow:
        assert [b.id for b in uow.bookings.active_on_slots([mine.id])] == [ella]


def test_a_forged_or_foreign_origin_form_and_bad_numbers_change_nothing(desk, world):
    slot = a_class(world, days=-7)
    ella = booked(world, slot.id)
    fields = register_of(desk, slot.id).form("/attendance", booking=ella)
    for forged in ({**fields, "csrf": "forged"}, {k: v for k, v in fields.items() if k != "csrf"}):
        assert "The page had expired" in desk.post(f"staff/slots/{slot.id}/attendance", forged).message()
    response = desk.client.post(f"/{desk.slug}/staff/slots/{slot.id}/attendance", data=fields,
                                headers={"Origin": "https://evil.example"})
    assert "The page had expired" in response.text
    for bad in ({"booking": "abc"}, {"booking": "-1"}, {"token": "short"}, {"booking": "9" * 30}):
        page = desk.post(f"staff/slots/{slot.id}/attendance", {**fields, **bad})
        assert page.status == 200 and "Something in the form was not right" in page.message(), bad
    assert attendance_rows(world, slot.id) == {}


def test_a_member_cannot_post_a_staff_form(visitor, member, world):
    slot = a_class(world, days=-7)
    ella = booked(world, slot.id)
    page = visitor.log_in(member.email, member.password)
    csrf = page.doc.xpath('//input[@name="csrf"]/@value')[0]
    answer = visitor.post(f"staff/slots/{slot.id}/attendance",
                          {"csrf": csrf, "token": "a" * 20, "booking": ella, "attended": "1"})
    assert answer.status == 403 and attendance_rows(world, slot.id) == {}


def test_the_register_lists_who_holds_a_place_with_status_and_payment(desk, world):
    from decimal import Decimal

    from bookable.domain.money import PaymentType
    from bookable.services.bookings import record_payment

    slot = a_class(world, spaces=2, price=Decimal("10.00"), start_time=time(9, 0))
    paid, unpaid = booked(world, slot.id, "Paid"), booked(world, slot.id, "Unpaid")
    queuer = world.person("Queue", "Er")
    with world.uow() as uow:
        record_payment(uow, world.admin, paid, payment_type=PaymentType.CASH, amount=Decimal("10.00"))
        book(uow, world.admin, person_id=queuer, slot_id=slot.id,
             waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()
    page = register_of(desk, slot.id)
    assert "Paid £10.00" in participant(page, paid) and "Owes £10.00" in participant(page, unpaid)
    assert page.has("2 of 2 places taken") and page.has("1 waiting")
    assert [li.text_content().split()[0] for li in page.doc.xpath('//ol[@class="waiting"]/li')] == ["Queue"]
