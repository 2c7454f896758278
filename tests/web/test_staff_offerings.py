"""Creating and editing offerings on the staff pages, through the real app on SQLite and PostgreSQL:
a one-off event, a course on custom dates, a weekly class and a monthly one on the start date's
weekday; the slots made are the engine's; bad input is a message that changes nothing; another
tenant's offering is the 404 page."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from staff_support import a_class
from web_support import in_days

from bookable.domain.recurrence import Repeat


def offerings_named(world, name):
    with world.uow(write=False) as uow:
        found = [o for o in uow.offerings.all() if o.name == name]
        return [(o, uow.offerings.slots_of(o.id)) for o in found]


def new_form(desk, kind):
    return desk.get("staff/offerings/new", kind=kind).form("/offerings/new")


def test_a_one_off_event_is_created_with_its_price_and_places(desk, world):
    fields = new_form(desk, "event")
    page = desk.post("staff/offerings/new", {**fields, "name": "Open Day", "group": "Events",
                                             "start_date": in_days(5).isoformat(), "start_time": "10:00",
                                             "duration": "240", "spaces": "50", "online_spaces": "40",
                                             "price": "5.50", "repeat": "0"})
    assert "The offering is saved." in page.message()
    [(offering, slots)] = offerings_named(world, "Open Day")
    assert (offering.kind, offering.price, offering.spaces, offering.online_spaces) == ("event", Decimal("5.50"), 50,
                                                                                          40)
    assert [(s.local_date, s.local_time, s.duration) for s in slots] == [(in_days(5), time(10, 0), 240)]
    assert page.doc.xpath(f'//tr[@id="slot-{slots[0].id}"]')  # shown on the week's timetable


def test_a_course_on_custom_dates(desk, world):
    fields = new_form(desk, "course")
    dates = [in_days(3), in_days(10), in_days(17)]
    page = desk.post("staff/offerings/new", {**fields, "name": "Pottery Course", "group": "Courses",
                                             "start_date": "", "repeat": str(int(Repeat.CUSTOM)), "duration": "90",
                                             "custom_dates": "\n".join(f"{d.isoformat()} 19:00" for d in dates)})
    assert "The offering is saved." in page.message()
    [(offering, slots)] = offerings_named(world, "Pottery Course")
    assert offering.kind == "course" and [(s.local_date, s.local_time) for s in slots] == [(d, time(19, 0))
                                                                                          for d in dates]


@pytest.mark.parametrize(("repeat", "step"), [(Repeat.WEEKLY, 7), (Repeat.MONTHLY_BY_WEEKDAY, None)])
def test_a_recurring_class_weekly_or_monthly_by_weekday(desk, world, repeat, step):
    name = f"Yoga {repeat.name}"
    fields = new_form(desk, "recurring")
    end = in_days(100)
    page = desk.post("staff/offerings/new", {**fields, "name": name, "group": "Classes",
                                             "start_date": in_days(1).isoformat(), "end_date": end.isoformat(),
                                             "start_time": "07:30", "repeat": str(int(repeat)), "max_advance": ""})
    assert "The offering is saved." in page.message(), page.message()
    [(offering, slots)] = offerings_named(world, name)
    days = [s.local_date for s in slots]
    assert offering.repeat == int(repeat) and days[0] == in_days(1) and len(days) >= 3
    if step:
        assert all(b - a == timedelta(days=step) for a, b in zip(days, days[1:], strict=False))
    else:  # the same weekday, the same week of its month
        first = in_days(1)
        assert all(d.weekday() == first.weekday() and (d.day - 1) // 7 == (first.day - 1) // 7 for d in days)


def test_editing_an_offering_changes_every_date_and_bad_input_changes_nothing(desk, world):
    slot = a_class(world, days=4)
    form = desk.get(f"staff/offerings/{slot.offering_id}/edit").form("/edit")
    assert form["name"] == "Spinning" and form["spaces"] == "5"
    page = desk.post(f"staff/offerings/{slot.offering_id}/edit", {**form, "name": "Spin Extra", "spaces": "8",
                                                                 "price": "100"})
    assert "The offering is saved." in page.message()
    [(offering, slots)] = offerings_named(world, "Spin Extra")
    assert (offering.price, slots[0].spaces) == (Decimal("100.00"), 8)
    for bad, text in (({"spaces": "many"}, "Places"), ({"price": "1,5"}, "Price"), ({"name": ""}, "Name"),
                      ({"start_time": "25:00"}, "Time"), ({"custom_dates": "soon", "repeat": "6"}, "Dates")):
        form = desk.get(f"staff/offerings/{slot.offering_id}/edit").form("/edit")
        page = desk.post(f"staff/offerings/{slot.offering_id}/edit", {**form, **bad})
        assert page.status == 400 and text in page.message(), (bad, page.message())
        assert page.doc.xpath('//input[@name="name"]/@value') == [bad.get("name", "Spin Extra")]
    [(offering, slots)] = offerings_named(world, "Spin Extra")
    assert (offering.price, offering.spaces, len(slots)) == (Decimal("100.00"), 8, 1)


def test_another_tenants_offering_is_the_404_page(desk, world, foreign):
    their_slot, _, their_world = foreign
    assert desk.get(f"staff/offerings/{their_slot.offering_id}/edit").status == 404
    form = desk.get(f"staff/offerings/{a_class(world).offering_id}/edit").form("/edit")
    assert desk.post(f"staff/offerings/{their_slot.offering_id}/edit", {**form, "name": "Mine now"}).status == 404
    assert offerings_named(their_world, "Mine now") == []


def test_an_offering_is_placed_at_a_venue_and_an_edit_keeps_its_resources(desk, world):
    from bookable.storage import models as m

    with world.uow() as uow:
        hall = uow.catalog.add(m.BusinessUnit(tenant_id=world.tenant.id, name="North Hall")).id
        coach = uow.catalog.add(m.Resource(tenant_id=world.tenant.id, name="Coach Kim", kind="instructor"))
        uow.commit()
        coach_id = coach.id
    fields = new_form(desk, "event")
    page = desk.post("staff/offerings/new", {**fields, "name": "Placed", "group": "Events", "venue": str(hall)})
    assert "The offering is saved." in page.message()
    [(offering, _)] = offerings_named(world, "Placed")
    assert offering.business_unit_id == hall
    with world.uow() as uow:
        uow.offerings.offering(offering.id).resources = [uow.catalog.get(m.Resource, coach_id)]
        uow.commit()
    form = desk.get(f"staff/offerings/{offering.id}/edit").form("/edit")
    assert form["venue"] == str(hall)
    desk.post(f"staff/offerings/{offering.id}/edit", {**form, "venue": "", "spaces": "7"})
    with world.uow(write=False) as uow:
        row = uow.offerings.offering(offering.id)
        assert (row.business_unit_id, row.spaces, [r.id for r in row.resources]) == (None, 7, [coach_id])


def resources(world, *names):
    from bookable.services import catalog

    with world.uow() as uow:
        made = [catalog.create_resource(uow, world.admin, name=name, kind=kind).id for name, kind in names]
        uow.commit()
    return made


def test_resources_and_the_publishing_window_are_set_on_create_and_changed_on_edit(desk, world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    anna, hall, bo = resources(world, ("Anna Instructor", "instructor"), ("Hall B", "room"), ("Bo Instructor",
                                                                                              "instructor"))
    fields = new_form(desk, "event")
    assert {f"resource:{i}" for i in (anna, hall, bo)} <= {
        e.get("name") for e in desk.get("staff/offerings/new", kind="event").doc.xpath('//input[@type="checkbox"]')}
    opens, closes = in_days(1), in_days(20)
    page = desk.post("staff/offerings/new", {
        **fields, "name": "Placed Event", "group": "Events", "start_date": in_days(5).isoformat(),
        "start_time": "10:00", "repeat": "0", f"resource:{anna}": "1", f"resource:{hall}": "1",
        "publish_start": f"{opens.isoformat()}T08:00", "publish_end": f"{closes.isoformat()}T23:30"})
    assert "The offering is saved." in page.message(), page.message()
    [(offering, _)] = offerings_named(world, "Placed Event")
    zone = ZoneInfo(world.tenant.timezone)
    assert sorted(r.id for r in offering.resources) == sorted([anna, hall])
    assert offering.publish_start == datetime.combine(opens, time(8, 0), zone)
    assert offering.publish_end == datetime.combine(closes, time(23, 30), zone)

    edit = desk.get(f"staff/offerings/{offering.id}/edit")
    fields = edit.form(f"/offerings/{offering.id}/edit")
    assert fields[f"resource:{anna}"] == "1" and f"resource:{bo}" not in fields
    assert fields["publish_start"] == f"{opens.isoformat()}T08:00"
    changed = {name: value for name, value in fields.items() if name != f"resource:{anna}"}
    page = desk.post(f"staff/offerings/{offering.id}/edit", {**changed, f"resource:{bo}": "1", "publish_start": "",
                                                             "publish_end": ""})
    assert "The offering is saved." in page.message(), page.message()
    [(offering, _)] = offerings_named(world, "Placed Event")
    assert sorted(r.id for r in offering.resources) == sorted([hall, bo])
    assert (offering.publish_start, offering.publish_end) == (None, None)


def test_a_bad_publishing_window_or_resource_is_named_on_the_form_and_changes_nothing(desk, world, foreign):
    [hall] = resources(world, ("Hall C", "room"))
    _, _, other = foreign
    from bookable.services import catalog

    with other.uow() as uow:
        their_resource = catalog.create_resource(uow, other.admin, name="Theirs").id
        uow.commit()
    base = {"name": "Bad Window", "group": "Events", "start_date": in_days(5).isoformat(),
            "start_time": "10:00", "repeat": "0", f"resource:{hall}": "1"}
    for bad, label in (({"publish_start": f"{in_days(9).isoformat()}T10:00",
                         "publish_end": f"{in_days(2).isoformat()}T10:00"}, "Shown on the timetable until"),
                       ({"publish_start": "next tuesday"}, "Shown on the timetable from"),
                       ({f"resource:{their_resource}": "1"}, "Instructors and rooms")):
        page = desk.post("staff/offerings/new", {**new_form(desk, "event"), **base, **bad})
        assert page.status == 400 and label in page.message(), (bad, page.message())
    assert offerings_named(world, "Bad Window") == []
