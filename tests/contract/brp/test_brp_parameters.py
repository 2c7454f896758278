"""Parameters as existing BRP clients send them: unknown names, the spec's own spellings, far dates,
a year-long timetable and the row cap that keeps its answer small."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from brp_support import FORMATS, document, error_of, make_offering
from tests.local_dates import local_today

from bookable.api.dialects.brp import routing
from bookable.domain.recurrence import Repeat
from bookable.services.bookings import book

IN_TWO_DAYS = local_today() + timedelta(days=2)


def listed(response):
    assert response.status_code == 200, response.text
    tag, content = document(response)
    return [int(item["id"]) for item in content[{"activities": "activity", "bookings": "booking"}[tag]]]


@pytest.mark.parametrize(("resource", "params", "named"), [
    ("activities", {"fromdate": "9999-12-25"}, "fromdate"),
    ("activities", {"fromdate": "9999-12-31", "todate": "9999-12-31"}, "todate"),
    ("activities", {"fromdate": "0001-01-01"}, "fromdate"),
    ("bookings", {"fromdate": "9999-12-31", "todate": "9999-12-31"}, "todate"),
    ("bookings", {"fromdate": "9999-12-31"}, "fromdate"),
    ("events", {"publishenddate": "9999-12-31"}, "publishenddate"),
    ("events", {"publishstartdate": "0001-01-01"}, "publishstartdate"),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_valid_date_at_the_end_of_the_calendar_is_1001_naming_its_parameter(brp, resource, params, named, fmt):
    response = brp.get(resource, fmt, **params)
    assert response.status_code == 400, response.text
    assert error_of(response) == {"code": "1001", "message": f"Felaktig parameter, {named}",
                                  "debug": f"field={named}"}


def test_a_far_but_representable_date_lists_nothing_rather_than_failing(brp):
    assert listed(brp.get("activities", member=False, fromdate="9999-12-01", todate="9999-12-30")) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_parameter_such_as_jquerys_cache_buster_is_ignored(brp, fmt):
    slot = brp.world.slots(make_offering(brp.world).id)[0]
    response = brp.get("activities", fmt, member=False, _="1700000000000", somethingelse="x")
    assert listed(response) == [slot.id]


def test_the_specs_own_businessUnit_spelling_filters_by_business_unit(brp):
    c, world = brp.catalogue, brp.world
    centrum = world.slots(make_offering(world, product=c.spinn, business_unit=c.centrum).id)[0].id
    world.slots(make_offering(world, product=c.yoga, business_unit=c.norr, name="Yoga").id)
    assert listed(brp.get("activities", member=False, businessUnit=f"{c.centrum},4334")) == [centrum]
    events = brp.get("events", "json", member=False, businessUnit=str(c.centrum))
    assert events.status_code == 200


def test_a_known_parameter_in_another_case_with_a_bad_value_is_still_1001_naming_it(brp):
    response = brp.get("activities", member=False, businessUnit="x")
    assert response.status_code == 400 and error_of(response)["debug"] == "field=businessunit"


def test_the_same_parameter_in_two_spellings_is_given_twice(brp):
    response = brp.get("activities", member=False, businessunit="1", businessUnit="2")
    assert response.status_code == 400 and error_of(response)["debug"] == "field=businessunit"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_specs_own_type_groupactivity_lists_the_ordinary_bookings(brp, fmt):
    slot = brp.world.slots(make_offering(brp.world).id)[0]
    with brp.world.uow() as uow:
        book(uow, brp.world.admin, person_id=brp.member_id, slot_id=slot.id)
        uow.commit()
    spec_spelling = listed(brp.get("bookings", fmt, type="groupactivity"))
    assert spec_spelling == listed(brp.get("bookings", fmt, type="ordinary")) == [listed(brp.get("bookings", fmt))[0]]
    assert len(spec_spelling) == 1


def test_a_season_timetable_a_year_long_is_listed_in_one_call(brp):
    world = brp.world
    soon = world.slots(make_offering(world, start_date=IN_TWO_DAYS).id)[0].id
    late = world.slots(make_offering(world, start_date=local_today() + timedelta(days=300)).id)[0].id
    response = brp.get("activities", member=False, fromdate=local_today().isoformat(),
                       todate=(local_today() + timedelta(days=366)).isoformat())
    assert listed(response) == [soon, late]
    assert "x-bookable-next-fromdate" not in response.headers


@pytest.mark.parametrize("fmt", FORMATS)
def test_past_the_row_cap_the_answer_ends_with_a_whole_day_and_names_the_next_one(brp, fmt, monkeypatch):
    monkeypatch.setattr(routing, "MAX_ROWS", 3)
    world = brp.world
    days = [IN_TWO_DAYS + timedelta(days=n) for n in range(3)]
    for start in (time(9, 0), time(18, 0)):
        make_offering(world, start_date=days[0], end_date=days[-1], repeat=Repeat.DAILY, start_time=start)

    response = brp.get("activities", fmt, member=False, fromdate=days[0].isoformat(), todate=days[-1].isoformat())

    _, content = document(response)
    assert [item["start"][:10] for item in content["activity"]] == [days[0].isoformat()] * 2
    assert (content["start"], content["end"]) == (days[0].isoformat(), days[0].isoformat())
    assert response.headers["x-bookable-next-fromdate"] == days[1].isoformat()
    rest = brp.get("activities", fmt, member=False, fromdate=days[1].isoformat(), todate=days[1].isoformat())
    assert len(listed(rest)) == 2 and "x-bookable-next-fromdate" not in rest.headers
