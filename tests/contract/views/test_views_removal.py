"""DELETE: cancel (never erase) a participant; refund or credit on bookable sessions; promote the queue."""

from __future__ import annotations

from decimal import Decimal

from views_support import error_messages, spec_post_body, xml

from bookable.services.bookings import WaitlistPolicy, book


def registered(views, slot, *names):  # type: ignore[no-untyped-def]
    ids = []
    for name in names:
        person = views.world.person(name)
        response = views.call("PUT", slot.id, f"<participant><ContactID>{person}</ContactID></participant>")
        ids.append(next(int(p.get("id")) for p in xml(response).iter("participant")
                        if p.findtext("Name").startswith(name)))
    return ids


def paid(views, slot, name="Payer"):  # type: ignore[no-untyped-def]
    return int(xml(views.call("POST", slot.id, spec_post_body(views.world.person(name)))).get("id"))


def test_deleting_a_participant_of_a_register_cancels_the_booking_and_keeps_the_row(views):
    slot = views.session()
    [pid] = registered(views, slot, "Ann")

    response = views.call("DELETE", slot.id, pid=pid)

    assert response.status_code == 200
    assert xml(response).findtext("Status") == "cancelled"
    assert views.booking(pid).status == "cancelled"
    assert list(xml(views.call("GET", slot.id)).iter("participant")) == []


def test_the_spec_delete_list_removes_those_participants_in_one_go(views):
    slot = views.session()
    first, second, stays = registered(views, slot, "First", "Second", "Stays")
    body = f"""<participants>
    <participant>{first}</participant>
    <participant>{second}</participant>
</participants>"""

    response = views.call("DELETE", slot.id, body)

    assert response.status_code == 200
    assert [int(p.get("id")) for p in xml(response).iter("participant")] == [stays]
    assert [b.status for b in views.bookings(slot.id)] == ["cancelled", "cancelled", "confirmed"]


def test_a_delete_list_with_one_unknown_participant_changes_nothing(views):
    slot = views.session()
    first, second = registered(views, slot, "First", "Second")
    before = views.snapshot(slot.id)

    response = views.call("DELETE", slot.id, f"<participants><participant>{first}</participant>"
                                             "<participant>987654321</participant></participants>")

    assert response.status_code == 404 and error_messages(response)
    assert views.snapshot(slot.id) == before


def test_a_participant_of_another_session_cannot_be_deleted_through_this_one(views):
    here, there = views.session(), views.session()
    [elsewhere] = registered(views, there, "Elsewhere")

    response = views.call("DELETE", here.id, pid=elsewhere)

    assert response.status_code == 404 and views.booking(elsewhere).status == "confirmed"


def test_a_delete_list_on_a_bookable_session_is_refused(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, f"<participants><participant>{pid}</participant></participants>")

    assert response.status_code == 409 and views.booking(pid).status == "confirmed"


def test_deleting_a_paid_booking_flags_it_cancelled_and_keeps_the_money(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, pid=pid)

    assert response.status_code == 200
    record = xml(response)
    assert record.findtext("Status") == "cancelled" and record.findtext("Balance/Held") == "20.00"
    assert views.booking(pid).status == "cancelled"
    assert [e.kind for e in views.ledger(pid)] == ["payment"]


def test_refundtype_refund_records_a_refund_of_what_is_held(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=pid)

    assert response.status_code == 200
    assert xml(response).findtext("Balance/Refunded") == "20.00" and xml(response).findtext("Balance/Held") == "0.00"
    assert [(e.kind, e.amount) for e in views.ledger(pid)] == [("payment", Decimal("20.00")),
                                                                ("refund", Decimal("20.00"))]
    assert views.booking(pid).status == "cancelled"
    assert list(xml(views.call("GET", slot.id)).iter("participant")) == []


def test_refundtype_credit_records_a_credit_note(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, "<refundtype>Credit</refundtype>", pid=pid)

    assert response.status_code == 200 and xml(response).findtext("Balance/Credited") == "20.00"
    assert [e.kind for e in views.ledger(pid)] == ["payment", "credit_note"]


def test_a_json_refundtype_is_accepted(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, '{"refundtype": "Refund"}', pid=pid)

    assert response.status_code == 200 and response.json()["booking"]["Balance"]["Refunded"] == "20.00"


def test_an_unknown_refundtype_is_a_400_and_the_booking_stays(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)

    response = views.call("DELETE", slot.id, "<refundtype>Cashback</refundtype>", pid=pid)

    assert response.status_code == 400 and "refundtype must be Refund or Credit." in error_messages(response)
    assert views.booking(pid).status == "confirmed" and len(views.ledger(pid)) == 1


def test_deleting_twice_is_a_409_and_refunds_only_once(views):
    slot = views.session(price="20.00")
    pid = paid(views, slot)
    views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=pid)

    response = views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=pid)

    assert response.status_code == 409
    assert [e.kind for e in views.ledger(pid)] == ["payment", "refund"]


def test_a_freed_place_promotes_the_first_on_the_waiting_list(views):
    slot = views.session(price="20.00", spaces=1)
    pid = paid(views, slot, "Holder")
    body = spec_post_body(views.world.person("Waiting"), extra="<WaitingList>1</WaitingList>")
    waiting = int(xml(views.call("POST", slot.id, body)).get("id"))
    with views.world.uow() as uow:
        later = book(uow, views.world.admin, person_id=views.world.person("Later"), slot_id=slot.id,
                     waitlist=WaitlistPolicy.IF_FULL).booking.id
        uow.commit()

    views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=pid)

    assert views.booking(waiting).status == "confirmed"
    assert views.booking(later).status == "waitlisted"
    assert [int(p.get("id")) for p in xml(views.call("GET", slot.id)).iter("participant")] == [waiting]


def test_a_waiting_list_entry_can_be_removed_by_its_participant_id(views):
    slot = views.session(price="20.00", spaces=1)
    paid(views, slot, "Holder")
    body = spec_post_body(views.world.person("Waiting"), extra="<WaitingList>1</WaitingList>")
    waiting = int(xml(views.call("POST", slot.id, body)).get("id"))

    response = views.call("DELETE", slot.id, "<refundtype>Refund</refundtype>", pid=waiting)

    assert response.status_code == 200 and views.booking(waiting).status == "cancelled"
    assert [e.kind for e in views.ledger(waiting)] == ["payment", "refund"]
