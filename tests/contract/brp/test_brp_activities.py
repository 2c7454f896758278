"""GET activities: fields, every filter, defaults, the member's own booking, one query per page, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from brp_support import FORMATS, document, error_of, make_offering
from sqlalchemy import event
from tests.local_dates import local_today

from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services.bookings import WaitlistPolicy, book
from bookable.services.offerings import set_slot_cancelled
from bookable.storage.models import CredentialChanges

IN_TWO_DAYS = local_today() + timedelta(days=2)


def activities_of(response):
    assert response.status_code == 200, response.text
    tag, content = document(response)
    assert tag == "activities"
    return content


def ids(content):
    return [int(a["id"]) for a in content["activity"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_activity_carries_every_field_of_the_spec(brp, fmt):
    c = brp.catalogue
    offering = make_offering(brp.world, product=c.spinn, business_unit=c.centrum, resources=(c.lena, c.sal),
                             spaces=12, online_spaces=10, max_advance=7, booking_cutoff_minutes=30)
    slot = brp.world.slots(offering.id)[0]
    content = activities_of(brp.get("activities", fmt, member=False))
    start = IN_TWO_DAYS.isoformat()
    assert content["start"] == start and content["end"] == start
    assert content["activity"] == [{
        "id": str(slot.id),
        "businessunit": {"id": str(c.centrum), "name": "Centrum"},
        "start": f"{start} 18:00",
        "end": f"{start} 18:45",
        "product": {
            "id": str(c.spinn), "description": "Produktbeskrivning", "name": "Spinn B45",
            "bookablefrominternet": "true",
            "productlabels": [{"id": str(c.spinning), "name": "Spinning"}, {"id": str(c.level), "name": "Medel"}],
            "cssclass": "blue", "group": {"id": str(c.training), "name": "Gruppträning"},
        },
        "resources": [{"id": str(c.lena), "name": "Lena Olsson"}, {"id": str(c.sal), "name": "Spinningsal"}],
        "bookableearliest": f"{(IN_TWO_DAYS - timedelta(days=7)).isoformat()} 18:00",
        "bookablelatest": f"{start} 17:30",
        "freeslots": "10", "bookableslots": "10", "totalslots": "12",
        "cancelled": "false", "waitinglistsize": "0",
    }]


def test_json_values_are_typed_numbers_booleans_and_nulls(brp):
    make_offering(brp.world, product=brp.catalogue.spinn)
    body = brp.get("activities", "json", member=False).json()
    [activity] = body["activities"]["activity"]
    assert isinstance(activity["id"], int) and activity["freeslots"] == 10
    assert activity["cancelled"] is False and activity["businessunit"] is None
    assert activity["product"]["bookablefrominternet"] is True


def test_the_suffix_picks_the_format_and_no_suffix_means_xml(brp):
    make_offering(brp.world)
    assert brp.get("activities", "json", member=False).headers["content-type"] == "application/json"
    for fmt in ("xml", None):
        response = brp.get("activities", fmt, member=False)
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<activities>")


@pytest.mark.parametrize("fmt", FORMATS)
def test_slot_counts_follow_bookings_made_by_the_engine(brp, fmt):
    world = brp.world
    offering = make_offering(world, spaces=3, online_spaces=2)
    slot = world.slots(offering.id)[0]
    people = [world.person(f"P{i}") for i in range(4)]
    with world.uow() as uow:
        book(uow, world.admin, person_id=people[0], slot_id=slot.id)
        book(uow, world.admin, person_id=people[1], slot_id=slot.id)
        book(uow, world.admin, person_id=people[2], slot_id=slot.id)
        book(uow, world.admin, person_id=people[3], slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()
    [activity] = activities_of(brp.get("activities", fmt, member=False))["activity"]
    assert (activity["freeslots"], activity["bookableslots"], activity["totalslots"]) == ("0", "2", "3")
    assert activity["waitinglistsize"] == "1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_timetable_read_again_after_each_change_shows_the_change(brp, fmt):
    """Activities are rendered once and remembered by their row: a re-read must never be stale."""
    world = brp.world
    offering = make_offering(world, spaces=2, online_spaces=2)
    slot = world.slots(offering.id)[0]
    people = [world.person(f"P{i}") for i in range(3)]

    def seen() -> tuple[str, str, str]:
        [activity] = activities_of(brp.get("activities", fmt, member=False))["activity"]
        return activity["freeslots"], activity["waitinglistsize"], activity["cancelled"]

    assert seen() == ("2", "0", "false")
    for person, after in zip(people, [("1", "0", "false"), ("0", "0", "false"), ("0", "1", "false")], strict=True):
        with world.uow() as uow:
            book(uow, world.admin, person_id=person, slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL)
            uow.commit()
        assert seen() == after
    with world.uow() as uow:
        set_slot_cancelled(uow, world.admin, slot.id, True, cancel_bookings=True)
        uow.commit()
    assert seen() == ("2", "0", "true")


def test_a_cancelled_activity_is_listed_as_cancelled(brp):
    offering = make_offering(brp.world)
    slot = brp.world.slots(offering.id)[0]
    with brp.world.uow() as uow:
        set_slot_cancelled(uow, brp.world.admin, slot.id, True)
        uow.commit()
    [activity] = activities_of(brp.get("activities", member=False))["activity"]
    assert activity["cancelled"] == "true"


def test_dates_default_to_today_and_the_next_fourteen_days(brp):
    world = brp.world
    today = local_today()
    inside = make_offering(world, start_date=today + timedelta(days=14), start_time=time(8, 0))
    outside = make_offering(world, start_date=today + timedelta(days=15), start_time=time(8, 0))
    content = activities_of(brp.get("activities", member=False))
    listed = ids(content)
    assert world.slots(inside.id)[0].id in listed
    assert world.slots(outside.id)[0].id not in listed


def test_fromdate_and_todate_are_inclusive_local_days(brp):
    world = brp.world
    first = make_offering(world, start_date=IN_TWO_DAYS, start_time=time(0, 30))
    last = make_offering(world, start_date=IN_TWO_DAYS + timedelta(days=1), start_time=time(23, 30))
    later = make_offering(world, start_date=IN_TWO_DAYS + timedelta(days=2), start_time=time(0, 0))
    content = activities_of(brp.get("activities", member=False, fromdate=IN_TWO_DAYS.isoformat(),
                                    todate=(IN_TWO_DAYS + timedelta(days=1)).isoformat()))
    assert ids(content) == [world.slots(first.id)[0].id, world.slots(last.id)[0].id]
    assert later.id  # the day after todate is outside
    assert content["start"] == IN_TWO_DAYS.isoformat()
    assert content["end"] == (IN_TWO_DAYS + timedelta(days=1)).isoformat()


def test_an_empty_list_spans_the_asked_dates(brp):
    content = activities_of(brp.get("activities", "json", member=False, fromdate="2030-01-01", todate="2030-01-05"))
    assert content == {"start": "2030-01-01", "end": "2030-01-05", "activity": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_product_businessunit_label_and_group_filters(brp, fmt):
    c, world = brp.catalogue, brp.world
    spinn = world.slots(make_offering(world, product=c.spinn, business_unit=c.centrum).id)[0].id
    yoga = world.slots(make_offering(world, product=c.yoga, business_unit=c.norr, name="Yoga").id)[0].id
    bare = world.slots(make_offering(world, name="Bare").id)[0].id

    def listed(**filters):  # the yoga product is not bookable online: listed only when asked for
        return ids(activities_of(brp.get("activities", fmt, member=False, bookablefrominternet="false", **filters)))

    assert listed() == [spinn, yoga, bare]
    assert listed(product=f"{c.spinn}") == [spinn]
    assert listed(product=f"{c.spinn},{c.yoga}") == [spinn, yoga]
    assert listed(businessunit=f"{c.norr}") == [yoga]
    assert listed(businessunit=f"{c.norr},{c.centrum}") == [spinn, yoga]
    assert listed(productlabel=f"{c.level}") == [spinn]
    assert listed(productlabel=f"{c.yoga_label},{c.spinning}") == [spinn, yoga]
    assert listed(productgroup=f"{c.dance}") == [yoga]
    assert listed(product="999999") == []


def test_bookablefrominternet_defaults_to_true_and_false_lists_everything(brp):
    world = brp.world
    online = world.slots(make_offering(world).id)[0].id
    desk_only = world.slots(make_offering(world, bookable_from_internet=False).id)[0].id
    assert ids(activities_of(brp.get("activities", member=False))) == [online]
    assert ids(activities_of(brp.get("activities", member=False, bookablefrominternet="true"))) == [online]
    assert ids(activities_of(brp.get("activities", member=False, bookablefrominternet="false"))) == [online, desk_only]


def test_events_and_disabled_offerings_are_not_activities(brp):
    c, world = brp.catalogue, brp.world
    activity = world.slots(make_offering(world).id)[0].id
    make_offering(world, kind=Kind.EVENT, product=c.event_product, name="Spinntour")
    make_offering(world, kind=Kind.COURSE, name="Simskola", end_date=IN_TWO_DAYS + timedelta(days=7),
                  repeat=Repeat.WEEKLY)
    make_offering(world, disabled=True, name="Hidden")
    assert ids(activities_of(brp.get("activities", member=False))) == [activity]


@pytest.mark.parametrize("fmt", FORMATS)
def test_includebooking_adds_the_members_own_booking_and_its_type(brp, fmt):
    world = brp.world
    booked = world.slots(make_offering(world, spaces=1).id)[0]
    queued = world.slots(make_offering(world, spaces=1, name="Full").id)[0]
    free = world.slots(make_offering(world, name="Free").id)[0]
    other = world.person("Other")
    with world.uow() as uow:
        mine = book(uow, world.admin, person_id=brp.member_id, slot_id=booked.id).booking.id
        book(uow, world.admin, person_id=other, slot_id=queued.id)
        waiting = book(uow, world.admin, person_id=brp.member_id, slot_id=queued.id,
                       waitlist=WaitlistPolicy.IF_FULL).booking.id
        uow.commit()
    activities = activities_of(brp.get("activities", fmt, includebooking="true"))["activity"]
    by_id = {int(a["id"]): a for a in activities}
    assert (by_id[booked.id]["bookingid"], by_id[booked.id]["bookingtype"]) == (str(mine), "ordinary")
    assert (by_id[queued.id]["bookingid"], by_id[queued.id]["bookingtype"]) == (str(waiting), "waitinglist")
    assert (by_id[free.id]["bookingid"], by_id[free.id]["bookingtype"]) == ("", "")
    plain = activities_of(brp.get("activities", fmt, member=False))["activity"]
    assert all("bookingid" not in a for a in plain)


@pytest.mark.parametrize("fmt", FORMATS)
def test_includebooking_requires_the_members_login(brp, fmt):
    make_offering(brp.world)
    response = brp.get("activities", fmt, member=False, includebooking="true")
    assert response.status_code == 401
    assert error_of(response)["code"] == "1010"
    wrong = brp.get("activities", fmt, member=(brp.login, "not-the-password"), includebooking="true")
    assert wrong.status_code == 401 and error_of(wrong)["code"] == "1010"


@pytest.mark.parametrize("login_field", ["email", "card", "customer"])
def test_a_member_logs_in_with_email_card_number_or_customer_number(brp, login_field):
    make_offering(brp.world)
    login = {"email": brp.login, "card": "C-1001", "customer": "K-77"}[login_field]
    response = brp.get("activities", member=(login, brp.password), includebooking="true")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("spelling", [str.upper, str.title])
def test_a_member_logs_in_with_their_email_in_any_case(brp, spelling):
    make_offering(brp.world)
    response = brp.get("activities", member=(spelling(brp.login), brp.password), includebooking="true")
    assert response.status_code == 200, response.text


def test_the_activity_page_is_one_query_whatever_its_length(brp, database):
    world = brp.world
    c = brp.catalogue
    for index in range(3):
        make_offering(world, product=c.spinn, business_unit=c.centrum, resources=(c.lena,), name=f"A{index}",
                      repeat=Repeat.DAILY, end_date=IN_TWO_DAYS + timedelta(days=6))
    person = world.person("Other")
    with world.uow() as uow:
        for slot in uow.offerings.slots_between(datetime.now(UTC), datetime.now(UTC) + timedelta(days=30))[:5]:
            book(uow, world.admin, person_id=person, slot_id=slot.id)
        uow.commit()
    brp.get("activities", includebooking="true")  # warms the credential and time-zone caches
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        watch = CredentialChanges.__tablename__ in statement  # the credential watch's tick, once a second
        if statement.lstrip().upper().startswith("SELECT") and not watch:
            statements.append(statement)

    engine = database.read_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = brp.get("activities", "json", includebooking="true")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(response.json()["activities"]["activity"]) == 21
    assert len(statements) == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("day", "utc_hour"), [
    (date(2027, 3, 27), 17), (date(2027, 3, 29), 16),   # Saturday CET / Monday CEST around 28 March 2027
    (date(2027, 10, 30), 16), (date(2027, 11, 1), 17),  # Saturday CEST / Monday CET around 31 October 2027
])
def test_an_activity_at_18_local_shows_18_on_both_sides_of_a_dst_change(brp, fmt, day, utc_hour):
    offering = make_offering(brp.world, start_date=day, max_advance=2)
    slot = brp.world.slots(offering.id)[0]
    assert slot.starts_at == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    [activity] = activities_of(brp.get("activities", fmt, member=False, fromdate=day.isoformat(),
                                       todate=day.isoformat()))["activity"]
    assert activity["start"] == f"{day.isoformat()} 18:00"
    assert activity["end"] == f"{day.isoformat()} 18:45"
    assert activity["bookableearliest"] == f"{(day - timedelta(days=2)).isoformat()} 18:00"
    assert activity["bookablelatest"] == f"{day.isoformat()} 18:00"
