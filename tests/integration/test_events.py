"""Domain events: written in the change's own transaction, read back in an order consumers can
rely on, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from tests.conftest import POSTGRES_URL

from bookable.domain.actors import utc_now
from bookable.domain.errors import SlotFull
from bookable.domain.events import CATALOG_ENTITIES, DomainEvent, EventType
from bookable.services import bookings
from bookable.storage import models as m
from bookable.storage import round_trips
from bookable.storage.events import EventLog
from bookable.storage.queries import events as feed


class Boom(Exception):
    pass


def _events(world) -> list[m.EventRecord]:  # type: ignore[no-untyped-def]
    with world.uow(write=False) as uow:
        return uow.audit.entries(limit=1000)


def test_a_booking_writes_its_event_in_its_own_transaction(world):
    slot = world.slots(world.offering(spaces=2).id)[0]
    person = world.person()
    before = len(_events(world))
    with world.uow() as uow:
        outcome = bookings.book(uow, world.admin, person_id=person, slot_id=slot.id)
        uow.commit()
    [event] = _events(world)[before:]
    assert (event.action, event.entity, event.entity_id) == ("booking.created", "booking", outcome.booking.id)
    assert event.after["person_id"] == person and event.after["slot_id"] == slot.id


def test_events_written_with_the_commit_keep_every_character_and_their_order(world):
    """On PostgreSQL a unit of work's events go with its COMMIT, bound on the client (storage.round_trips)."""
    awkward = "O'Brien \\ \"quoted\" ; COMMIT; -- åäö 🎉 $$ %s %(x)s"
    before = len(_events(world))
    with world.uow() as uow:
        for n in range(3):
            uow.record(world.admin, DomainEvent(EventType.SLOT_CANCELLED, "slot", n,
                                                before={"note": awkward}, after={"n": n, "note": awkward}))
        uow.commit()
    written = _events(world)[before:]
    assert [(event.entity_id, event.after, event.before) for event in written] == [
        (n, {"n": n, "note": awkward}, {"note": awkward}) for n in range(3)]
    assert [event.id for event in written] == sorted(event.id for event in written)


@pytest.mark.parametrize("database", ["postgresql"] if POSTGRES_URL else [], indirect=True)
def test_on_postgresql_a_units_events_go_with_its_commit_as_one_insert_of_all_their_rows(world, monkeypatch):
    """PostgreSQL parses and plans the insert once, not once an event (storage.round_trips).
    SQLite has no round trips to save: it runs each insert on its own."""
    sent: list[str] = []
    execute = round_trips.ClientCursor.execute

    def spy(cursor, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(round_trips.ClientCursor, "execute", spy)
    before = len(_events(world))
    with world.uow() as uow:
        for n in range(4):
            uow.record(world.admin, DomainEvent(EventType.SLOT_CANCELLED, "slot", n, after={"n": n}))
        uow.commit()

    [query] = sent
    assert query.count("INSERT INTO events") == 1 and query.endswith("; COMMIT")
    assert [event.entity_id for event in _events(world)[before:]] == [0, 1, 2, 3]


def test_a_change_rolled_back_leaves_no_event(world):
    slot = world.slots(world.offering(spaces=2).id)[0]
    person = world.person()
    before = len(_events(world))
    with pytest.raises(Boom), world.uow() as uow:
        bookings.book(uow, world.admin, person_id=person, slot_id=slot.id)
        raise Boom
    with world.uow(write=False) as uow:
        held = uow.session.scalar(select(func.count()).select_from(m.Booking).where(m.Booking.slot_id == slot.id))
    assert held == 0
    assert len(_events(world)) == before


def test_a_refused_booking_leaves_no_event(world):
    slot = world.slots(world.offering(spaces=1).id)[0]
    anna, bo = world.person(), world.person()
    with world.uow() as uow:
        bookings.book(uow, world.admin, person_id=anna, slot_id=slot.id)
        uow.commit()
    before = len(_events(world))
    with pytest.raises(SlotFull), world.uow() as uow:
        bookings.book(uow, world.admin, person_id=bo, slot_id=slot.id)
    assert len(_events(world)) == before


def test_a_cancellation_records_the_cancel_and_the_promotion_it_causes_together(world):
    slot = world.slots(world.offering(spaces=1).id)[0]
    anna, bo = world.person(), world.person()
    with world.uow() as uow:
        first = bookings.book(uow, world.admin, person_id=anna, slot_id=slot.id).booking
        waiting = bookings.book(uow, world.admin, person_id=bo, slot_id=slot.id,
                                waitlist=bookings.WaitlistPolicy.IF_FULL).booking
        uow.commit()
    before = len(_events(world))
    with world.uow() as uow:
        bookings.cancel(uow, world.admin, first.id)
        uow.commit()
    recorded = [(e.action, e.entity_id) for e in _events(world)[before:]]
    assert recorded == [("booking.cancelled", first.id), ("booking.promoted", waiting.id)]


def test_the_feed_shows_a_tenants_events_in_id_order_after_the_one_given(world):
    slot = world.slots(world.offering(spaces=5).id)[0]
    people = [world.person() for _ in range(3)]
    with world.uow() as uow:
        for person in people:
            bookings.book(uow, world.admin, person_id=person, slot_id=slot.id)
        uow.commit()
    ids = [e.id for e in _events(world)]
    with world.uow(write=False) as uow:
        page = feed.feed_page(uow.connection(), world.tenant.id, ids[-3], 10)
    assert [row.id for row in page] == ids[-2:]


@pytest.mark.parametrize("database", ["postgresql"] if POSTGRES_URL else [], indirect=True)
def test_the_feed_waits_for_an_older_transaction_that_may_still_commit_a_lower_id(world):
    """PostgreSQL only: SQLite's writers take turns, so its ids become visible in order."""
    first, second = (world.slots(world.offering(spaces=5).id)[0] for _ in range(2))
    last = _events(world)[-1].id
    anna, bo = world.person(), world.person()
    older = world.uow()
    older.__enter__()
    try:
        bookings.book(older, world.admin, person_id=anna, slot_id=first.id)  # takes the lower id
        with world.uow() as newer:
            bookings.book(newer, world.admin, person_id=bo, slot_id=second.id)
            newer.commit()
        with world.uow(write=False) as uow:
            while_older_runs = feed.feed_page(uow.connection(), world.tenant.id, last, 10)
        older.commit()
    finally:
        older.__exit__(None, None, None)
    with world.uow(write=False) as uow:
        after_it_ended = feed.feed_page(uow.connection(), world.tenant.id, last, 10)
    assert while_older_runs == []
    assert [row.action for row in after_it_ended] == ["booking.created", "booking.created"]
    assert after_it_ended[0].id < after_it_ended[1].id


@pytest.mark.parametrize("database", ["postgresql"] if POSTGRES_URL else [], indirect=True)
def test_the_feed_never_skips_an_event_whose_newer_transaction_took_a_lower_id(world):
    """A transaction gets its id at its first write and its event id later: the older transaction
    may commit a higher event id while a newer one still holds a lower one (the rule "only events of
    transactions older than every running one" showed the higher and skipped the lower for good)."""
    after = _events(world)[-1].id if _events(world) else 0

    def written_now(uow, entity_id):  # type: ignore[no-untyped-def]
        EventLog(uow.connection).record(world.admin, DomainEvent(EventType.SLOT_CANCELLED, "slot", entity_id),
                                        utc_now())

    older = world.uow()
    older.__enter__()
    try:
        older.connection().execute(text("SELECT pg_current_xact_id()"))  # its transaction id comes first
        with world.uow() as newer:
            written_now(newer, 1)  # the lower event id, in the newer transaction
            written_now(older, 2)
            older.commit()
            with world.uow(write=False) as uow:
                while_newer_runs = feed.feed_page(uow.connection(), world.tenant.id, after, 10)
            newer.commit()
    finally:
        older.__exit__(None, None, None)
    with world.uow(write=False) as uow:
        once_both_ended = feed.feed_page(uow.connection(), world.tenant.id, after, 10)
    assert while_newer_runs == []
    assert [row.entity_id for row in once_both_ended] == [1, 2]


def test_every_event_type_is_documented():
    from pathlib import Path

    documented = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    assert [str(kind) for kind in EventType if f"`{kind}`" not in documented] == []
    assert all(f"`{entity}`" in documented for entity in CATALOG_ENTITIES)
