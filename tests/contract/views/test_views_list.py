"""GET participants: the session's register as Views XML, or JSON when asked."""

from __future__ import annotations

from views_support import error_messages, other_account, staff_login, xml

from bookable.services import register
from bookable.services.bookings import book
from bookable.services.register import RegisterLine


def _register_two(views, slot):  # type: ignore[no-untyped-def]
    jane = views.world.person("Jane", "Smith")
    john = views.world.person("John", "Smith")
    with views.world.uow() as uow:
        session = register.session_of(uow, slot.id)
        first = register.mark(uow, views.world.admin, session, RegisterLine(jane, attended=False))
        second = register.mark(uow, views.world.admin, session,
                               RegisterLine(john, attended=True, volunteering=("Made Coffee",)))
        uow.commit()
    return first, second


def test_the_register_is_listed_as_well_formed_views_xml(views):
    slot = views.session()
    first, second = _register_two(views, slot)

    response = views.call("GET", slot.id)

    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "session" and root.get("id") == str(slot.id)
    participants = root.find("participants").findall("participant")
    assert [p.get("id") for p in participants] == [str(first), str(second)]
    john = participants[1]
    assert [child.tag for child in john] == ["SessionID", "SessionGroupID", "Name", "ContactType", "Attended",
                                             "Volunteering"]
    assert john.findtext("SessionID") == str(slot.id)
    assert john.findtext("SessionGroupID") == str(slot.offering_id)
    assert john.findtext("Name") == "John Smith"
    assert john.findtext("ContactType") == "Individual"
    assert john.findtext("Attended") == "1"
    assert john.findtext("Volunteering") == "Made Coffee"
    assert participants[0].findtext("Attended") == "0" and participants[0].findtext("Volunteering") == ""


def test_the_register_is_json_when_the_caller_accepts_json(views):
    slot = views.session()
    first, second = _register_two(views, slot)

    response = views.call("GET", slot.id, headers={"Accept": "application/json"})

    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    session = response.json()["session"]
    assert session["id"] == slot.id
    assert session["participants"][1] == {
        "id": second, "SessionID": slot.id, "SessionGroupID": slot.offering_id, "Name": "John Smith",
        "ContactType": "Individual", "Attended": 1, "Volunteering": "Made Coffee",
    }


def test_a_booking_made_elsewhere_is_on_the_register_at_once_and_cancelled_ones_are_not(views):
    slot = views.session()
    kept, gone = views.world.person("Kept"), views.world.person("Gone")
    with views.world.uow() as uow:
        booked = book(uow, views.world.admin, person_id=kept, slot_id=slot.id).booking.id
        dropped = book(uow, views.world.admin, person_id=gone, slot_id=slot.id).booking.id
        uow.commit()
    views.call("DELETE", slot.id, pid=dropped)

    ids = [p.get("id") for p in xml(views.call("GET", slot.id)).iter("participant")]

    assert ids == [str(booked)]


def test_an_empty_register_is_an_empty_participants_element(views):
    slot = views.session()

    root = xml(views.call("GET", slot.id))

    assert root.find("participants") is not None and len(root.find("participants")) == 0


def test_a_bearer_api_key_is_accepted(views):
    from bookable.services import accounts

    slot = views.session()
    with views.world.uow() as uow:
        _, key = accounts.add_api_key(uow, views.world.tenant, "views")
        uow.commit()

    response = views.call("GET", slot.id, auth=None, headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200 and xml(response).tag == "session"


def test_no_credentials_is_a_401_in_the_views_envelope(views):
    slot = views.session()

    response = views.call("GET", slot.id, auth=None)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers
    assert error_messages(response)


def test_wrong_password_is_a_401(views):
    slot = views.session()

    response = views.call("GET", slot.id, auth=(views.auth[0], "wrong-password"))

    assert response.status_code == 401 and error_messages(response)


def test_an_unknown_session_is_a_404(views):
    response = views.call("GET", 999_999_999)

    assert response.status_code == 404
    assert "Session 999999999 not found." in error_messages(response)


def test_a_session_of_another_account_is_a_404_that_reveals_nothing(views):
    slot = views.session()
    _register_two(views, slot)
    outsider = staff_login(other_account(views.world))

    response = views.call("GET", slot.id, auth=outsider)

    assert response.status_code == 404
    assert "Smith" not in response.text


def test_unknown_paths_under_the_views_prefix_answer_in_the_views_envelope(views):
    response = views.client.get("/api/restful/work/nothing-here", auth=views.auth)

    assert response.status_code == 404 and error_messages(response)


def test_a_non_numeric_session_id_is_a_404(views):
    response = views.call("GET", "abc")  # type: ignore[arg-type]

    assert response.status_code == 404 and error_messages(response)
