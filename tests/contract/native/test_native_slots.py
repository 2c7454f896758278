"""Slots: counts, local time and epoch, filters, pagination, moves, capacity, cancel/restore, register."""

from __future__ import annotations

from datetime import UTC, datetime

from native_support import API, assert_problem, book, create_offering, create_person, db_booking, in_days

from bookable.storage import models as m


def test_a_slot_shows_its_counts_and_its_start_in_local_time_and_epoch(client, world, admin):
    offering = create_offering(client, admin, spaces=3, online_spaces=2, start_date="2031-07-01",
                               start_time="18:00", max_num_bookings=3)
    slot_id = offering["slots"][0]["id"]
    people = [create_person(client, admin) for _ in range(3)]
    book(client, admin, person_id=people[0], slot_id=slot_id, places=2, override_window=True)
    book(client, admin, person_id=people[1], slot_id=slot_id, confirmed=False, override_window=True)
    book(client, admin, person_id=people[2], slot_id=slot_id, places=2, waitlist="if_full", override_window=True)
    slot = client.get(f"{API}/slots/{slot_id}", headers=admin).json()
    assert (slot["confirmed"], slot["reserved"], slot["held"], slot["waiting"], slot["free"], slot["free_online"]) == \
        (2, 1, 3, 2, 0, 0)
    assert (slot["date"], slot["time"], slot["start"], slot["end"]) == \
        ("2031-07-01", "18:00", "2031-07-01T18:00+02:00", "2031-07-01T19:00+02:00")
    assert slot["start_epoch"] == int(datetime(2031, 7, 1, 16, 0, tzinfo=UTC).timestamp())
    assert slot["end_epoch"] - slot["start_epoch"] == 3600


def test_slots_filter_by_dates_offering_business_unit_product_label_resource_and_status(client, world, admin):
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()["id"]
    label = client.post(f"{API}/product-labels", json={"name": "Spinning"}, headers=admin).json()["id"]
    product = client.post(f"{API}/products", json={"name": "Spin", "label_ids": [label]}, headers=admin).json()["id"]
    room = client.post(f"{API}/resources", json={"name": "Sal 1"}, headers=admin).json()["id"]
    weekly = create_offering(client, admin, kind="recurring", repeat=1, start_date=in_days(1), end_date=in_days(15),
                             business_unit_id=unit, product_id=product, resource_ids=[room])
    other = create_offering(client, admin, start_date=in_days(2))
    weekly_ids = [s["id"] for s in weekly["slots"]]
    client.post(f"{API}/slots/{weekly_ids[1]}/cancel", json={}, headers=admin)

    def ids(**params):
        response = client.get(f"{API}/slots", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    everything = ids()
    assert set(everything) == {*weekly_ids, other["slots"][0]["id"]} and len(everything) == 4
    for key, value in (("business_unit_id", unit), ("product_id", product), ("label_id", label),
                       ("resource_id", room), ("offering_id", weekly["id"])):
        assert ids(**{key: value}) == weekly_ids, key
    assert ids(**{"from": in_days(2), "to": in_days(2)}) == [other["slots"][0]["id"]]
    assert ids(**{"from": in_days(8)}) == weekly_ids[1:]
    assert ids(status="cancelled") == [weekly_ids[1]]
    assert weekly_ids[1] not in ids(status="scheduled")
    assert_problem(client.get(f"{API}/slots", params={"from": "tomorrow"}, headers=admin), 422, "invalid_parameter")
    assert_problem(client.get(f"{API}/slots", params={"status": "gone"}, headers=admin), 422, "invalid_parameter")


def test_slots_page_in_start_order_by_cursor_and_by_offset(client, world, admin):
    create_offering(client, admin, kind="recurring", repeat=5, start_date=in_days(1), end_date=in_days(5))
    every = [row["id"] for row in client.get(f"{API}/slots", headers=admin).json()["items"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/slots", params=params, headers=admin).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every and len(every) == 5
    assert [r["id"] for r in client.get(f"{API}/slots", params={"offset": 3}, headers=admin).json()["items"]] == \
        every[3:]


def test_patch_moves_a_slot_and_changes_its_capacity(client, world, admin):
    offering = create_offering(client, admin, spaces=2, start_date=in_days(4))
    slot_id = offering["slots"][0]["id"]
    body = {"date": in_days(6), "time": "09:15", "duration": 90, "spaces": 4, "online_spaces": 1}
    slot = client.patch(f"{API}/slots/{slot_id}", json=body, headers=admin).json()
    assert (slot["date"], slot["time"], slot["duration"], slot["spaces"], slot["online_spaces"]) == \
        (in_days(6), "09:15", 90, 4, 1)
    with world.uow(write=False) as uow:
        stored = uow.offerings.slot(slot_id)
        assert (stored.local_date.isoformat(), stored.duration, stored.spaces, stored.online_spaces) == \
            (in_days(6), 90, 4, 1)
        assert (stored.ends_at - stored.starts_at).total_seconds() == 90 * 60
    cleared = client.patch(f"{API}/slots/{slot_id}", json={"online_spaces": None}, headers=admin).json()
    assert cleared["online_spaces"] is None and cleared["spaces"] == 4


def test_capacity_never_drops_below_what_is_held_and_raising_it_promotes_the_waiting_list(client, world, admin):
    offering = create_offering(client, admin, spaces=1)
    slot_id = offering["slots"][0]["id"]
    anna, bo = create_person(client, admin), create_person(client, admin, first_name="Bo")
    book(client, admin, person_id=anna, slot_id=slot_id)
    waiting = book(client, admin, person_id=bo, slot_id=slot_id, waitlist="if_full").json()
    assert waiting["status"] == "waitlisted"
    assert_problem(client.patch(f"{API}/slots/{slot_id}", json={"spaces": 0}, headers=admin), 422, "invalid_parameter")
    assert_problem(client.patch(f"{API}/slots/{slot_id}", json={"spaces": None}, headers=admin),
                   422, "invalid_parameter")
    slot = client.patch(f"{API}/slots/{slot_id}", json={"spaces": 2}, headers=admin).json()
    assert (slot["held"], slot["waiting"], slot["free"]) == (2, 0, 0)
    assert db_booking(world, waiting["id"]).status == "confirmed"


def test_a_slot_with_bookings_is_cancelled_only_with_cancel_bookings_and_can_be_restored(client, world, admin):
    offering = create_offering(client, admin)
    slot_id = offering["slots"][0]["id"]
    booking = book(client, admin, person_id=create_person(client, admin), slot_id=slot_id).json()
    assert_problem(client.post(f"{API}/slots/{slot_id}/cancel", headers=admin), 409, "has_active_bookings")
    assert db_booking(world, booking["id"]).status == "confirmed"
    slot = client.post(f"{API}/slots/{slot_id}/cancel", json={"cancel_bookings": True}, headers=admin).json()
    assert slot["cancelled"] and slot["held"] == 0
    assert db_booking(world, booking["id"]).status == "cancelled"
    assert_problem(book(client, admin, person_id=create_person(client, admin), slot_id=slot_id), 409, "slot_cancelled")
    assert client.post(f"{API}/slots/{slot_id}/restore", headers=admin).json()["cancelled"] is False
    with world.uow(write=False) as uow:
        assert uow.offerings.slot(slot_id).cancelled is False
        actions = [e.action for e in uow.audit.entries(entity="slot") if e.entity_id == slot_id]
    assert actions == ["slot.cancelled", "slot.restored"]


def test_replacing_the_register_books_the_new_cancels_the_dropped_and_marks_attendance(client, world, staff):
    offering = create_offering(client, staff, spaces=5)
    slot_id = offering["slots"][0]["id"]
    jane, john, jim = (create_person(client, staff, first_name=n) for n in ("Jane", "John", "Jim"))
    dropped = book(client, staff, person_id=jim, slot_id=slot_id).json()
    body = {"participants": [{"person_id": jane, "attended": True, "volunteering": ["Volunteered", "Made Coffee"]},
                             {"person_id": john}]}
    response = client.put(f"{API}/slots/{slot_id}/register", json=body, headers=staff)
    assert response.status_code == 200, response.text
    register = {row["person_id"]: row for row in response.json()}
    assert set(register) == {jane, john}
    assert register[jane]["attended"] and register[jane]["volunteering"] == ["Volunteered", "Made Coffee"]
    assert register[john]["attended"] is False
    assert client.get(f"{API}/slots/{slot_id}/register", headers=staff).json() == response.json()
    assert db_booking(world, dropped["id"]).status == "cancelled"
    with world.uow(write=False) as uow:
        mark = uow.bookings.attendance(register[jane]["booking_id"], slot_id)
        assert mark.attended and mark.volunteering == "Volunteered|Made Coffee"
    twice = {"participants": [{"person_id": jane}, {"person_id": jane}]}
    assert_problem(client.put(f"{API}/slots/{slot_id}/register", json=twice, headers=staff), 422, "invalid_parameter")


def test_an_unknown_slot_is_404(client, world, admin):
    assert_problem(client.get(f"{API}/slots/987654", headers=admin), 404, "not_found")
    assert_problem(client.post(f"{API}/slots/987654/restore", headers=admin), 404, "not_found")
    with world.uow(write=False) as uow:
        assert uow.catalog.list(m.Slot) == []


def test_a_slot_read_or_listed_shows_its_offering_unit_and_resources_and_a_deleted_one_is_gone(client, world, admin):
    unit = client.post(f"{API}/business-units", json={"name": "Centrum"}, headers=admin).json()["id"]
    rooms = [client.post(f"{API}/resources", json={"name": name}, headers=admin).json()["id"]
             for name in ("Sal 2", "Sal 1")]
    offering = create_offering(client, admin, name="Yoga", kind="recurring", repeat=1, start_date=in_days(1),
                               end_date=in_days(8), business_unit_id=unit, resource_ids=rooms[::-1])
    bare = create_offering(client, admin, name="Open gym", start_date=in_days(2))
    expected = {"offering_id": offering["id"], "offering_name": "Yoga", "kind": "recurring",
                "business_unit_id": unit, "resource_ids": sorted(rooms)}
    first = offering["slots"][0]["id"]
    shown = client.get(f"{API}/slots/{first}", headers=admin).json()
    assert {key: shown[key] for key in expected} == expected
    listed = client.get(f"{API}/slots", params={"offering_id": offering["id"]}, headers=admin).json()["items"]
    assert [row["id"] for row in listed] == [slot["id"] for slot in offering["slots"]] and len(listed) == 2
    assert all({key: row[key] for key in expected} == expected for row in listed)
    bare_slot = client.get(f"{API}/slots/{bare['slots'][0]['id']}", headers=admin).json()
    assert (bare_slot["offering_name"], bare_slot["business_unit_id"], bare_slot["resource_ids"]) == \
        ("Open gym", None, [])
    assert client.delete(f"{API}/offerings/{bare['id']}", headers=admin).status_code == 204
    assert_problem(client.get(f"{API}/slots/{bare['slots'][0]['id']}", headers=admin), 404, "not_found")
    with world.uow(write=False) as uow:
        assert uow.session.get(m.Slot, bare["slots"][0]["id"]).deleted
