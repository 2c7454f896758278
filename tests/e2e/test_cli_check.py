"""`bookable check`: each slot's counters against its bookings, run as a user runs it, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import time, timedelta

from e2e_support import run_cli
from sqlalchemy import select, update
from tests.local_dates import local_today

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts
from bookable.services.bookings import WaitlistPolicy, book
from bookable.services.offerings import create_offering
from bookable.storage import models as m
from bookable.storage.database import Database
from bookable.storage.unit_of_work import UnitOfWork


def a_slot_with_bookings(database: Database, slug: str) -> int:
    """A slot of 2 places of tenant `slug`: two people hold them, a third waits."""
    with UnitOfWork(database, 0, write=False) as uow:
        tenant = uow.tenants.by_slug(slug)
        assert tenant is not None
    admin = Actor(tenant.id, "admin", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(database, tenant.id) as uow:
        offering = create_offering(uow, admin, OfferingSpec(
            kind=Kind.EVENT, name="Run", group="Races", spaces=2, start_time=time(9, 0),
            start_date=local_today() + timedelta(days=4)))
        slot_id = uow.offerings.slots_of(offering.id)[0].id
        people = [uow.people.add(m.Person(tenant_id=tenant.id, first_name=f"P{n}", created_at=accounts.utc_now()))
                  for n in range(3)]
        uow.session.flush()
        for person in people:
            book(uow, admin, person_id=person.id, slot_id=slot_id, waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()
    return slot_id


def counters(database: Database, slot_id: int) -> tuple[int, ...]:
    with database.session(write=False) as session:
        return tuple(session.execute(select(m.Slot.held_confirmed, m.Slot.held_reserved, m.Slot.waiting_places,
                                            m.Slot.waiting_bookings, m.Slot.last_queue_number)
                                     .where(m.Slot.id == slot_id)).one())


def test_check_reports_counters_that_differ_from_the_bookings_and_repair_sets_them(fresh_url, open_database):
    for slug in ("north", "south"):
        assert run_cli("tenant", "add", slug, database=fresh_url).returncode == 0
    north, south = a_slot_with_bookings(open_database, "north"), a_slot_with_bookings(open_database, "south")

    clean = run_cli("check", database=fresh_url)
    assert clean.returncode == 0, clean.stderr
    assert "Checked 2 slot(s): every counter agrees with its bookings." in clean.stdout

    with open_database.session(write=True) as session:  # written around the triggers, as a hand-made UPDATE would
        session.execute(update(m.Slot).where(m.Slot.id == north).values(
            held_confirmed=5, waiting_bookings=0, last_queue_number=0))
        # a last queue number above the highest taken (as after deleting a booking) reuses none: it agrees
        session.execute(update(m.Slot).where(m.Slot.id == south).values(last_queue_number=7))
        session.commit()
    found = run_cli("check", database=fresh_url)
    only_south = run_cli("check", "--tenant", "south", database=fresh_url)

    assert found.returncode == 1
    assert "1 differ from their bookings" in found.stdout
    assert f"{north} " in found.stdout and "5 -> 2" in found.stdout and "0 -> 1" in found.stdout
    assert "bookable check --repair" in found.stderr and "Traceback" not in found.stderr
    assert counters(open_database, north) == (5, 0, 1, 0, 0)  # a check alone changes nothing
    assert only_south.returncode == 0 and "Checked 1 slot(s)" in only_south.stdout

    repaired = run_cli("check", "--repair", database=fresh_url)

    assert repaired.returncode == 0, repaired.stderr
    assert "Repaired 1 slot(s)" in repaired.stdout
    assert counters(open_database, north) == (2, 0, 1, 1, 1)
    assert counters(open_database, south) == (2, 0, 1, 1, 7)
    assert "every counter agrees" in run_cli("check", database=fresh_url).stdout


def test_check_of_an_unknown_tenant_fails_with_a_message(fresh_url):
    result = run_cli("check", "--tenant", "nowhere", database=fresh_url)
    assert result.returncode == 1
    assert result.stderr.startswith("bookable: error: ") and "nowhere" in result.stderr
