"""Class admin on the staff pages, through the real app on SQLite and PostgreSQL: a slot's capacity
(raising it promotes the waiting list, and the page says so), moving one slot, cancelling a class
with its bookings after a confirmation page, and restoring it; refusals change nothing; another
tenant's slot is the 404 page."""

from __future__ import annotations

from datetime import time

from staff_support import a_class, booked
from web_support import fill, in_days


def slot_row(world, slot_id):
    with world.uow(write=False) as uow:
        return uow.offerings.slot(slot_id)


def statuses(world, ids):
    with world.uow(write=False) as uow:
        return [uow.bookings.booking(i).status for i in ids]


def test_raising_the_capacity_promotes_the_waiting_list_and_says_so(desk, world):
    slot = a_class(world, spaces=1)
    holder, first, second = fill(world, slot.id, 3, waiting=True)
    page = desk.get(f"staff/slots/{slot.id}/manage")
    page = desk.post(f"staff/slots/{slot.id}/capacity", {**page.form("/capacity"), "spaces": "3",
                                                        "online_spaces": "2"})
    assert "The capacity is changed." in page.message() and "2 bookings moved up from the waiting list." in \
        page.message()
    assert statuses(world, [holder, first, second]) == ["confirmed"] * 3
    assert (slot_row(world, slot.id).spaces, slot_row(world, slot.id).online_spaces) == (3, 2)
    low = desk.post(f"staff/slots/{slot.id}/capacity", {**page.form("/capacity"), "spaces": "2"})
    assert low.message() and slot_row(world, slot.id).spaces == 3  # not below the 3 places held
    bad = desk.post(f"staff/slots/{slot.id}/capacity", {**low.form("/capacity"), "spaces": "lots"})
    assert "not right" in bad.message() and slot_row(world, slot.id).spaces == 3


def test_moving_one_slot(desk, world):
    slot = a_class(world)
    fields = desk.get(f"staff/slots/{slot.id}/manage").form("/move")
    page = desk.post(f"staff/slots/{slot.id}/move", {**fields, "date": in_days(4).isoformat(), "time": "07:15",
                                                    "duration": "45"})
    assert "The class is moved." in page.message()
    row = slot_row(world, slot.id)
    assert (row.local_date, row.local_time, row.duration) == (in_days(4), time(7, 15), 45)
    fields = page.form("/move")
    assert "not right" in desk.post(f"staff/slots/{slot.id}/move", {**fields, "time": "25:99"}).message()
    assert slot_row(world, slot.id).local_time == time(7, 15)


def test_cancelling_a_class_asks_first_then_cancels_its_bookings_and_it_can_be_restored(desk, world):
    slot = a_class(world)
    ella = booked(world, slot.id)
    fields = desk.get(f"staff/slots/{slot.id}/manage").form("/cancel")
    confirm = desk.post(f"staff/slots/{slot.id}/cancel", fields)
    assert confirm.has("Please confirm") and confirm.has("Its 1 booking will be cancelled too.")
    assert not slot_row(world, slot.id).cancelled and statuses(world, [ella]) == ["confirmed"]
    page = desk.post(f"staff/slots/{slot.id}/cancel", confirm.form("/cancel", confirmed=1))
    assert "The class is cancelled" in page.message() and slot_row(world, slot.id).cancelled
    assert statuses(world, [ella]) == ["cancelled"]
    timetable = desk.get("staff/", day=in_days(2).isoformat())
    assert "Cancelled" in " ".join(timetable.doc.xpath(f'//tr[@id="slot-{slot.id}"]')[0].text_content().split())
    page = desk.post(f"staff/slots/{slot.id}/cancel?restore=1", page.form("/cancel?restore=1"))
    assert "The class is on again." in page.message() and not slot_row(world, slot.id).cancelled


def test_another_tenants_class_is_the_404_page_and_is_not_changed(desk, world, foreign):
    their_slot, _, their_world = foreign
    assert desk.get(f"staff/slots/{their_slot.id}/manage").status == 404
    mine = a_class(world)
    page = desk.get(f"staff/slots/{mine.id}/manage")
    for action, form in (("capacity", "/capacity"), ("move", "/move")):
        assert desk.post(f"staff/slots/{their_slot.id}/{action}", page.form(form)).status == 404
    assert desk.post(f"staff/slots/{their_slot.id}/cancel", {**page.form("/cancel"), "confirmed": "1"}).status == 404
    row = slot_row(their_world, their_slot.id)
    assert (row.spaces, row.cancelled) == (their_slot.spaces, False)
