"""PUT to the collection: one `<participant>` adds or updates; `<participants>` replaces the register."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from tests.local_dates import local_today
from views_support import error_messages, spec_post_body, xml

from bookable.domain.offering import Kind
from bookable.domain.recurrence import LocalOccurrence, Repeat


def single(contact: int, attended: str | None = "0", volunteering: str | None = "Volunteered|Made Coffee") -> str:
    body = f"<participant>\n    <ContactID>{contact}</ContactID>\n"
    if attended is not None:
        body += f"    <Attended>{attended}</Attended>\n"
    if volunteering is not None:
        body += f"    <Volunteering>{volunteering}</Volunteering>\n"
    return body + "</participant>"


def spec_bulk_xml(a: int, b: int, c: int) -> str:
    return f"""<participants>
    <participant>
        <ContactID>{a}</ContactID>
        <Attended>0</Attended>
    </participant>
    <participant>
        <ContactID>{b}</ContactID>
        <Attended>1</Attended>
        <Volunteering>Volunteered|Made Coffee</Volunteering>
    </participant>
    <participant>
        <ContactID>{c}</ContactID>
        <Attended>1</Attended>
        <Volunteering>Cleaned Up</Volunteering>
    </participant>
</participants>"""


def spec_bulk_json(a: int, b: int, c: int) -> str:
    """The spec's JSON sample exactly as printed: a bare member, no outer braces."""
    return f'''"participant": [
     {{"ContactID":"{a}","Attended":0}},
     {{"ContactID":"{b}","Attended":1, "Volunteering": "Volunteered|Made Coffee"}},
     {{"ContactID":"{c}","Attended":1, "Volunteering": "Cleaned Up"}}
 ]'''


def marks(views, slot):  # type: ignore[no-untyped-def]
    """person id -> (status, attended, volunteering) for every booking of the slot."""
    result = {}
    for booking in views.bookings(slot.id):
        mark = views.attendance(booking.id, slot.id)
        result[booking.person_id] = (booking.status, mark.attended if mark else None,
                                     mark.volunteering if mark else None)
    return result


def test_the_spec_single_participant_body_puts_the_person_on_the_register(views):
    slot = views.session()
    contact = views.world.person("Jane", "Smith")

    response = views.call("PUT", slot.id, single(contact))

    assert response.status_code == 200
    [participant] = xml(response).iter("participant")
    assert participant.findtext("Name") == "Jane Smith"
    assert participant.findtext("Volunteering") == "Volunteered|Made Coffee"
    assert marks(views, slot) == {contact: ("confirmed", False, "Volunteered|Made Coffee")}


def test_putting_the_same_person_again_updates_them_instead_of_booking_twice(views):
    slot = views.session()
    contact = views.world.person()
    views.call("PUT", slot.id, single(contact))

    views.call("PUT", slot.id, single(contact, attended="1", volunteering="Cleaned Up"))

    assert marks(views, slot) == {contact: ("confirmed", True, "Cleaned Up")}


def test_attended_defaults_to_0_before_the_session_starts(views):
    slot = views.session(days_ahead=2)
    contact = views.world.person()

    views.call("PUT", slot.id, single(contact, attended=None))

    assert marks(views, slot)[contact][1] is False


def test_attended_defaults_to_1_once_the_session_has_started_and_the_register_is_taken_late(views):
    slot = views.session(days_ahead=-1)
    contact = views.world.person()

    response = views.call("PUT", slot.id, single(contact, attended=None, volunteering=None))

    assert response.status_code == 200
    assert marks(views, slot) == {contact: ("confirmed", True, "")}


def test_a_bad_attended_flag_is_a_400_and_changes_nothing(views):
    slot = views.session()

    response = views.call("PUT", slot.id, single(views.world.person(), attended="yes"))

    assert response.status_code == 400 and "Attended must be 0 or 1." in error_messages(response)
    assert views.bookings(slot.id) == []


def test_the_spec_bulk_xml_replaces_the_register_data_and_cancels_whoever_is_dropped(views):
    slot = views.session()
    dropped, a, b, c = (views.world.person(name) for name in ("Dropped", "A", "B", "C"))
    views.call("PUT", slot.id, single(dropped))
    views.call("PUT", slot.id, single(a, attended="1", volunteering="Old role"))

    response = views.call("PUT", slot.id, spec_bulk_xml(a, b, c))

    assert response.status_code == 200
    assert [p.findtext("Name") for p in xml(response).iter("participant")] == ["A Larsson", "B Larsson", "C Larsson"]
    assert marks(views, slot) == {
        dropped: ("cancelled", False, "Volunteered|Made Coffee"),
        a: ("confirmed", False, ""),
        b: ("confirmed", True, "Volunteered|Made Coffee"),
        c: ("confirmed", True, "Cleaned Up"),
    }


@pytest.mark.parametrize("form", ["bare", "braced", "braced-participants"])
def test_the_spec_bulk_json_replaces_the_register_in_every_accepted_form(views, form):
    slot = views.session()
    dropped, a, b, c = (views.world.person(name) for name in ("Dropped", "A", "B", "C"))
    views.call("PUT", slot.id, single(dropped))
    body = spec_bulk_json(a, b, c)
    if form == "braced":
        body = "{" + body + "}"
    elif form == "braced-participants":
        body = '{"participants": {' + body + "}}"

    response = views.call("PUT", slot.id, body)  # sent as text/xml, exactly as the spec's curl does

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    names = [p["Name"] for p in response.json()["session"]["participants"]]
    assert names == ["A Larsson", "B Larsson", "C Larsson"]
    assert marks(views, slot) == {
        dropped: ("cancelled", False, "Volunteered|Made Coffee"),
        a: ("confirmed", False, ""),
        b: ("confirmed", True, "Volunteered|Made Coffee"),
        c: ("confirmed", True, "Cleaned Up"),
    }


def test_a_bulk_register_larger_than_the_session_is_refused_whole(views):
    slot = views.session(spaces=2)
    a, b, c, kept = (views.world.person(name) for name in ("A", "B", "C", "Kept"))
    views.call("PUT", slot.id, single(kept))
    before = views.snapshot(slot.id)

    response = views.call("PUT", slot.id, spec_bulk_xml(a, b, c))

    assert response.status_code == 409 and "No places left." in error_messages(response)
    assert views.snapshot(slot.id) == before


def test_a_bulk_register_with_an_unknown_contact_changes_nothing(views):
    slot = views.session()
    a, kept = views.world.person("A"), views.world.person("Kept")
    views.call("PUT", slot.id, single(kept))
    before = views.snapshot(slot.id)

    response = views.call("PUT", slot.id, spec_bulk_xml(a, 987_654_321, kept))

    assert response.status_code == 404
    assert xml(response).find("error").get("field") == "ContactID"
    assert views.snapshot(slot.id) == before


def test_a_bulk_json_register_with_an_unknown_contact_names_the_views_field_contactid(views):
    slot = views.session()
    response = views.call("PUT", slot.id, spec_bulk_json(views.world.person("A"), 987_654_321, views.world.person()))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "ContactID"
    assert "person_id" not in response.text


def test_a_contact_listed_twice_is_a_400(views):
    slot = views.session()
    a = views.world.person()

    response = views.call("PUT", slot.id, spec_bulk_xml(a, a, views.world.person()))

    assert response.status_code == 400 and views.bookings(slot.id) == []


def test_an_empty_participants_list_empties_the_register(views):
    slot = views.session()
    a = views.world.person()
    views.call("PUT", slot.id, single(a))

    response = views.call("PUT", slot.id, "<participants></participants>")

    assert response.status_code == 200 and list(xml(response).iter("participant")) == []
    assert [b.status for b in views.bookings(slot.id)] == ["cancelled"]


def test_a_bookable_session_marks_attendance_of_booked_people(views):
    slot = views.session(price="20.00")
    person = views.world.person()
    views.call("POST", slot.id, spec_post_body(person))

    response = views.call("PUT", slot.id, single(person, attended="1", volunteering="Stewarding"))

    assert response.status_code == 200
    assert marks(views, slot) == {person: ("confirmed", True, "Stewarding")}


def test_a_bookable_session_refuses_a_register_entry_for_someone_without_a_booking(views):
    slot = views.session(price="20.00")

    response = views.call("PUT", slot.id, single(views.world.person()))

    assert response.status_code == 409
    assert "book them first" in error_messages(response)[0]
    assert views.bookings(slot.id) == []


def test_a_paid_bulk_register_marks_whoever_it_leaves_out_absent_and_never_cancels_a_paid_booking(views):
    slot = views.session(price="20.00")
    stays, left_out = views.world.person("Stays"), views.world.person("Absent")
    views.call("POST", slot.id, spec_post_body(stays))
    absent = int(xml(views.call("POST", slot.id, spec_post_body(left_out))).get("id"))
    views.call("PUT", slot.id, f"<participant><ContactID>{left_out}</ContactID><Attended>1</Attended>"
                               "<Volunteering>Made Coffee</Volunteering></participant>")

    response = views.call("PUT", slot.id, f"<participants><participant><ContactID>{stays}</ContactID>"
                                          "<Attended>1</Attended></participant></participants>")

    assert response.status_code == 200
    assert views.booking(absent).status == "confirmed"
    assert [(e.kind, str(e.amount)) for e in views.ledger(absent)] == [("payment", "20.00")]
    listed = {p.get("id"): (p.findtext("Attended"), p.findtext("Volunteering"))
              for p in xml(response).iter("participant")}
    assert listed[str(absent)] == ("0", "")


def test_a_put_to_the_collection_with_another_root_is_a_400(views):
    slot = views.session()

    response = views.call("PUT", slot.id, "<payment><PaymentType>Cash</PaymentType></payment>")

    assert response.status_code == 400 and views.bookings(slot.id) == []


def test_leaving_someone_out_of_one_course_session_keeps_their_course_and_their_other_sessions(views):
    start = local_today() + timedelta(days=3)
    custom = tuple(LocalOccurrence(start + timedelta(days=i), time(18), 60) for i in range(2))
    course = views.world.offering(kind=Kind.COURSE, repeat=Repeat.CUSTOM, custom_slots=custom, spaces=5,
                                  start_date=start)
    first, second = views.world.slots(course.id)
    anna, bo = views.world.person("Anna"), views.world.person("Bo")
    for person in (anna, bo):
        views.call("PUT", first.id, f"<participant><ContactID>{person}</ContactID><Attended>1</Attended>"
                                    "<Volunteering>Made Coffee</Volunteering></participant>")
    [anna_booking] = [b for b in _course_bookings(views, course.id) if b.person_id == anna]

    response = views.call("PUT", second.id, f"<participants><participant><ContactID>{bo}</ContactID>"
                                            "<Attended>1</Attended></participant></participants>")

    assert response.status_code == 200
    assert views.booking(anna_booking.id).status == "confirmed"
    kept = views.attendance(anna_booking.id, first.id)
    assert (kept.attended, kept.volunteering) == (True, "Made Coffee")
    absent = views.attendance(anna_booking.id, second.id)
    assert (absent.attended, absent.volunteering) == (False, "")
    on_first = {p.findtext("Name") for p in xml(views.call("GET", first.id)).iter("participant")}
    assert on_first == {"Anna Larsson", "Bo Larsson"}


def _course_bookings(views, offering_id):  # type: ignore[no-untyped-def]
    with views.world.uow(write=False) as uow:
        return uow.bookings.active_on_offering(offering_id)
