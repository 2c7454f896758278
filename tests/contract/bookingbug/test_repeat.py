"""repeat 0-8 (spec 001): each rule produces the right slots, in the company's wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bookingbug_support import BookingBug, xml

SPEC_CUSTOM_SLOTS_WELL_FORMED = (
    "<session> <name>Custom</name> <group>My Group</group> <repeat>6</repeat> <slots>"
    " <slot> <date>2030-01-01</date> <time>11:00</time> <duration>60</duration> </slot>"
    " <slot> <date>2030-02-10</date> <time>11:10</time> <duration>50</duration> </slot>"
    " <slot> <date>2030-03-20</date> <time>9:30</time> <duration>90</duration> </slot>"
    " </slots> </session>"
)


def create(bb: BookingBug, repeat: int, start: str, end: str, query: str = "?type=recurring_event") -> list:
    body = (
        f"<session><group>G</group><repeat>{repeat}</repeat><time>18:00</time>"
        f"<start_date>{start}</start_date><end_date>{end}</end_date></session>"
    )
    response = bb.post(f"/api/sessions.xml{query}", body)
    assert response.status_code == 201, response.text
    return [slot.findtext("date") for slot in xml(response).find("slots")]


@pytest.mark.parametrize(
    ("repeat", "start", "end", "dates"),
    [
        (0, "2030-01-07", "2030-01-28", ["2030-01-07"]),
        (1, "2030-01-07", "2030-01-28", ["2030-01-07", "2030-01-14", "2030-01-21", "2030-01-28"]),
        (2, "2030-01-07", "2030-01-28", ["2030-01-07", "2030-01-21"]),
        (3, "2030-01-05", "2030-01-12", ["2030-01-07", "2030-01-08", "2030-01-09", "2030-01-10", "2030-01-11"]),
        (4, "2030-01-01", "2030-01-13", ["2030-01-05", "2030-01-06", "2030-01-12", "2030-01-13"]),
        (5, "2030-01-30", "2030-02-02", ["2030-01-30", "2030-01-31", "2030-02-01", "2030-02-02"]),
        (7, "2030-01-31", "2030-04-30", ["2030-01-31", "2030-02-28", "2030-03-31", "2030-04-30"]),
        (8, "2030-01-15", "2030-04-30", ["2030-01-15", "2030-02-19", "2030-03-19", "2030-04-16"]),
    ],
)
def test_each_repeat_rule_produces_its_dates(bb: BookingBug, repeat: int, start: str, end: str, dates: list[str]):
    assert create(bb, repeat, start, end) == dates
    (offering,) = bb.offerings()
    slots = bb.slots(offering.id)
    assert [s.local_date.isoformat() for s in slots] == dates
    assert {s.local_time for s in slots} == {time(18, 0)}


def test_a_weekly_session_keeps_its_wall_clock_time_across_daylight_saving(bb: BookingBug):
    create(bb, 1, "2030-03-24", "2030-04-07")

    (offering,) = bb.offerings()
    starts = [s.starts_at.astimezone(UTC) for s in bb.slots(offering.id)]
    assert starts == [
        datetime(2030, 3, 24, 17, tzinfo=UTC),
        datetime(2030, 3, 31, 16, tzinfo=UTC),
        datetime(2030, 4, 7, 16, tzinfo=UTC),
    ]


def test_custom_slots_take_their_own_dates_times_and_durations(bb: BookingBug):
    response = bb.post("/api/sessions.xml?type=course", SPEC_CUSTOM_SLOTS_WELL_FORMED)

    assert response.status_code == 201, response.text
    shown = [(s.findtext("date"), s.findtext("time"), s.findtext("duration")) for s in xml(response).find("slots")]
    assert shown == [("2030-01-01", "11:00", "60"), ("2030-02-10", "11:10", "50"), ("2030-03-20", "09:30", "90")]
    (offering,) = bb.offerings()
    assert (offering.repeat, offering.start_date, offering.end_date) == (6, date(2030, 1, 1), date(2030, 3, 20))
    slots = bb.slots(offering.id)
    assert [s.starts_at.astimezone(UTC) for s in slots] == [
        datetime(2030, 1, 1, 10, tzinfo=UTC),
        datetime(2030, 2, 10, 10, 10, tzinfo=UTC),
        datetime(2030, 3, 20, 8, 30, tzinfo=UTC),
    ]
    assert [s.ends_at - s.starts_at for s in slots] == [timedelta(minutes=d) for d in (60, 50, 90)]


def test_custom_slots_without_time_or_duration_take_the_sessions(bb: BookingBug):
    body = (
        "<session><group>G</group><time>07:15</time><duration>45</duration><slots>"
        "<slot><date>2030-05-02</date></slot><slot><date>2030-05-01</date><time>20:00</time></slot>"
        "</slots></session>"
    )

    response = bb.post("/api/sessions.xml?type=course", body)

    assert response.status_code == 201, response.text
    shown = [(s.findtext("date"), s.findtext("time"), s.findtext("duration")) for s in xml(response).find("slots")]
    assert shown == [("2030-05-01", "20:00", "45"), ("2030-05-02", "07:15", "45")]


def test_slots_sent_without_a_repeat_make_the_session_custom(bb: BookingBug):
    body = "<session><group>G</group><slots><slot><date>2030-05-02</date></slot></slots></session>"

    response = bb.post("/api/sessions.xml?type=recurring_event", body)

    assert response.status_code == 201, response.text
    (offering,) = bb.offerings()
    assert (offering.repeat, offering.end_date) == (6, date(2030, 5, 2))


def test_a_course_with_repeat_6_and_no_slots_has_one_slot_at_its_start(bb: BookingBug):
    response = bb.post(
        "/api/sessions.xml?type=course",
        "<session><group>G</group><start_date>2030-06-01</start_date><time>10:00</time></session>",
    )

    assert [s.findtext("date") for s in xml(response).find("slots")] == ["2030-06-01"]
