"""Bad input (spec 001): an <errors><error> envelope with the right 4xx, nothing changed, never a 500."""

from __future__ import annotations

import pytest
from bookingbug_support import BookingBug, company_state, error_of, other_company_session, xml

from bookable.storage.unit_of_work import UnitOfWork

# The spec's own custom-slots sample, verbatim: `<time>11:00</time</date>` is not well-formed XML.
SPEC_CUSTOM_SLOTS_VERBATIM = (
    "<session> <repeat>6</repeat> <slots> <slot> <date>2020-01-01</date> <time>11:00</time</date> "
    "<duration>60</duration> </slot> <slot> <date>2020-02-10</date> <time>11:10</time> <duration>50</duration> "
    "</slot> <slot> <date>2020-03-20</date> <time>9:30</time> <duration>90</duration> </slot> </slots> </session>"
)


def refused(bb: BookingBug, response, status: int, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.text
    error = error_of(response)
    if field is not None:
        assert error.get("field") == field, response.text
    if code is not None:
        assert error.get("code") == code, response.text
    return error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("<session><name>No group</name></session>", "group"),
        ("<session><group>   </group></session>", "group"),
        (f"<session><group>G</group><name>{'n' * 51}</name></session>", "name"),
        ("<session><group>G</group><name></name></session>", "name"),
        (f"<session><group>{'g' * 201}</group></session>", "group"),
        ("<session><group>G</group><start_date>2030-13-01</start_date></session>", "start_date"),
        ("<session><group>G</group><start_date>01/02/2030</start_date></session>", "start_date"),
        ("<session><group>G</group><start_date>2030-02-30</start_date></session>", "start_date"),
        ("<session><group>G</group><end_date>tomorrow</end_date></session>", "end_date"),
        (
            "<session><group>G</group><start_date>2030-02-10</start_date><end_date>2030-02-01</end_date></session>",
            "end_date",
        ),
        ("<session><group>G</group><time>25:00</time></session>", "time"),
        ("<session><group>G</group><time>11:00:00</time></session>", "time"),
        ("<session><group>G</group><time>noon</time></session>", "time"),
        ("<session><group>G</group><repeat>9</repeat></session>", "repeat"),
        ("<session><group>G</group><repeat>weekly</repeat></session>", "repeat"),
        ("<session><group>G</group><price>10.999</price></session>", "price"),
        ("<session><group>G</group><price>-1</price></session>", "price"),
        ("<session><group>G</group><price>1000000</price></session>", "price"),
        ("<session><group>G</group><spaces>-1</spaces></session>", "spaces"),
        ("<session><group>G</group><spaces>1.5</spaces></session>", "spaces"),
        ("<session><group>G</group><spaces>99999999999999999999</spaces></session>", "spaces"),
        ("<session><group>G</group><duration>0</duration></session>", "duration"),
        ("<session><group>G</group><max_num_bookings>0</max_num_bookings></session>", "max_num_bookings"),
        ("<session><group>G</group><min_cancel>-2</min_cancel></session>", "min_cancel"),
        ("<session><group>G</group><max_advance>x</max_advance></session>", "max_advance"),
        ("<session><group>G</group><ticket_type>4</ticket_type></session>", "ticket_type"),
        ("<session><group>G</group><disabled>yes</disabled></session>", "disabled"),
        ("<session><group>G</group><ask_address>2</ask_address></session>", "ask_address"),
        ("<session><group>G</group><type>workshop</type></session>", "type"),
        ("<session><group>G</group><colour>red</colour></session>", "colour"),
        ("<session><group>G</group><name>A</name><name>B</name></session>", "name"),
        ("<session><group>G</group><name><b>bold</b></name></session>", "name"),
        ("<session><group>G</group><slots/></session>", "slots"),
        ("<session><group>G</group><slots><slot><time>10:00</time></slot></slots></session>", "slot.date"),
        (
            "<session><group>G</group><slots><slot><date>2030-01-01</date><room>1</room></slot></slots></session>",
            "room",
        ),
        ("<session><group>G</group><slots><session/></slots></session>", "session"),
        (
            "<session><group>G</group><slots><slot><date>2030-01-01</date><duration>0</duration></slot></slots></session>",
            "duration",
        ),
        (
            "<session><group>G</group><slots><slot><date>2030-01-01</date></slot><slot><date>2030-01-01</date></slot>"
            "</slots></session>",
            "slots",
        ),
        (
            "<session><group>G</group><repeat>1</repeat><slots><slot><date>2030-01-01</date></slot></slots></session>",
            "repeat",
        ),
        (
            "<session><group>G</group><repeat>5</repeat><start_date>2030-01-01</start_date>"
            "<end_date>2039-01-01</end_date></session>",
            "end_date",
        ),
    ],
)
def test_invalid_values_are_refused_with_422_naming_the_field_and_nothing_is_created(bb: BookingBug, body, field):
    before = company_state(bb.world)

    response = bb.post("/api/sessions.xml", body)

    refused(bb, response, 422, field, "invalid_parameter")
    assert company_state(bb.world) == before


@pytest.mark.parametrize(
    "body",
    [
        SPEC_CUSTOM_SLOTS_VERBATIM,
        "",
        "   ",
        "<session><group>G</group>",
        "not xml at all",
        "<sessions><session><group>G</group></session></sessions>",
        '<?xml version="1.0"?><!DOCTYPE session [<!ENTITY x "boom">]><session><group>&x;</group></session>',
        '<session xmlns:x="urn:x"><group>G</group><x:name>n</x:name>',
    ],
)
def test_malformed_xml_is_refused_with_400_without_guessing(bb: BookingBug, body: str):
    before = company_state(bb.world)

    response = bb.post("/api/sessions.xml?type=course", body)

    refused(bb, response, 400, code="malformed_body")
    assert company_state(bb.world) == before


@pytest.mark.parametrize(
    "query", ["?type=workshop", "?type=3", "?type=", "?session_type=9", "?type=event&session_type=1"]
)
def test_an_unknown_type_in_the_query_is_refused(bb: BookingBug, query: str):
    before = company_state(bb.world)

    response = bb.post(f"/api/sessions.xml{query}", "<session><group>G</group></session>")

    refused(bb, response, 422, code="invalid_parameter")
    assert error_of(response).get("field") in ("type", "session_type")
    assert company_state(bb.world) == before


def test_a_body_type_disagreeing_with_the_query_type_is_refused(bb: BookingBug):
    response = bb.post("/api/sessions.xml?type=event", "<session><group>G</group><type>2</type></session>")

    refused(bb, response, 422, "type")
    assert bb.offerings() == []


def test_the_error_envelope_is_errors_error_with_a_code_and_a_field(bb: BookingBug):
    response = bb.post("/api/sessions.xml", "<session><name>x</name></session>")

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/xml")
    root = xml(response)
    assert root.tag == "errors" and [child.tag for child in root] == ["error"]
    error = root.find("error")
    assert error.get("code") == "invalid_parameter" and error.get("field") == "group"
    assert "group" in error.text and len(error) == 0


def test_bad_updates_change_nothing(bb: BookingBug):
    offering = bb.world.offering(name="Stable")
    before = company_state(bb.world)
    for body, status in [
        ("<session><name>" + "x" * 51 + "</name></session>", 422),
        ("<session><price>1.001</price></session>", 422),
        ("<session><spaces>-3</spaces></session>", 422),
        ("<session><group></group></session>", 422),
        ("<session><time>7pm</time></session>", 422),
        ("<session><end_date>2000-01-01</end_date></session>", 422),
        ("<session><slots><slot><date>2020-01-01</date></slot></slots><repeat>2</repeat></session>", 422),
        ("<session><unknown/></session>", 422),
        (SPEC_CUSTOM_SLOTS_VERBATIM, 400),
        ("<slot><date>2020-01-01</date></slot>", 400),
    ]:
        response = bb.put(f"/api/sessions/{offering.id}.xml", body)
        refused(bb, response, status)
    for query in ("?cancel_bookings=maybe",):
        refused(
            bb,
            bb.put(f"/api/sessions/{offering.id}.xml{query}", "<session><name>N</name></session>"),
            422,
            "cancel_bookings",
        )
    assert company_state(bb.world) == before


def test_bad_slot_updates_change_nothing(bb: BookingBug):
    offering = bb.world.offering()
    (slot,) = bb.slots(offering.id)
    before = company_state(bb.world)
    for body, status, field in [
        ("<slot><date>2020-02-31</date></slot>", 422, "date"),
        ("<slot><time>24:00</time></slot>", 422, "time"),
        ("<slot><duration>-5</duration></slot>", 422, "duration"),
        ("<slot><duration>1.5</duration></slot>", 422, "duration"),
        ("<slot><date>9999-12-31</date><time>23:59</time><duration>120</duration></slot>", 422, "date"),
        ("<slot><duration>0</duration></slot>", 422, "duration"),
        ("<slot><spaces>3</spaces></slot>", 422, "spaces"),
        ("<slot><date>2020-01-05</date><time>11:30</time</date></slot>", 400, None),
        ("<session><date>2020-01-05</date></session>", 400, None),
    ]:
        refused(bb, bb.put(f"/api/slots/{slot.id}.xml", body), status, field)
    assert company_state(bb.world) == before


def test_another_companys_session_and_slot_cannot_be_read_changed_or_destroyed(bb: BookingBug):
    session_id, slot_id = other_company_session(bb.world, name="Theirs")

    for response in (
        bb.get(f"/api/sessions/{session_id}.xml"),
        bb.put(f"/api/sessions/{session_id}.xml", "<session><name>Mine now</name></session>"),
        bb.delete(f"/api/sessions/{session_id}.xml"),
        bb.put(f"/api/slots/{slot_id}.xml", "<slot><duration>5</duration></slot>"),
    ):
        refused(bb, response, 404, code="not_found")
    with UnitOfWork(bb.world.database, 0, write=False) as uow:
        from bookable.storage import models as m

        offering = uow.session.get(m.Offering, session_id)
        assert (offering.name, offering.deleted) == ("Theirs", False)
        assert uow.session.get(m.Slot, slot_id).duration == 60


def test_unknown_slots_are_404(bb: BookingBug):
    for path in ("/api/slots/2147483647.xml", "/api/slots/x.xml", "/api/slots/99999999999.xml"):
        refused(bb, bb.put(path, "<slot><duration>5</duration></slot>"), 404, code="not_found")


def test_unknown_routes_and_methods_answer_in_the_bookingbug_envelope(bb: BookingBug):
    refused(bb, bb.get("/api/sessions/1/extra"), 404)
    refused(bb, bb.get("/api/sessions.json"), 404)
    refused(bb, bb.get("/api/slots"), 404)
    refused(bb, bb.post("/api/sessions/1.xml", "<session/>"), 405)
    refused(bb, bb.get("/api/slots/1.xml"), 405)


def test_an_oversized_body_is_413_in_the_bookingbug_envelope(bb: BookingBug):
    body = "<session><group>G</group><description>" + "x" * 1_100_000 + "</description></session>"

    refused(bb, bb.post("/api/sessions.xml", body), 413)
    assert bb.offerings() == []


@pytest.mark.parametrize(
    "body",
    [
        "<session><group>G</group><start_date>0001-01-01</start_date></session>",
        "<session><group>G</group><start_date>9999-12-31</start_date></session>",
        "<session><group>G</group><start_date>9999-12-25</start_date><repeat>5</repeat></session>",
        "<session><group>G</group><slots><slot><date>9999-12-31</date><time>23:59</time></slot></slots></session>",
        "<session><group>G</group><slots><slot><date>0001-01-01</date><time>00:00</time></slot></slots></session>",
        "<session><group>\u0000</group></session>",
        "<session><group>G</group><duration>999999999</duration></session>",
        "<session><group>G</group><max_advance>999999999</max_advance></session>",
        "<session><group>G</group><start_date>2030-03-31</start_date><time>02:30</time></session>",
    ],
)
def test_edge_values_never_cause_a_server_error(bb: BookingBug, body: str):
    for query in ("?type=event", "?type=recurring_event"):
        response = bb.post(f"/api/sessions.xml{query}", body)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert error_of(response).text
