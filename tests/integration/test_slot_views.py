"""A front end's view of the slots it books (storage.booking_store.SlotView): a slot it does not
offer is not found before any booking rule, and what it shows of a slot comes with the booking's
own read, on every path that read takes (a slot, a course's slot, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from tests.local_dates import local_today

from bookable.domain.errors import NotFound
from bookable.domain.offering import Kind
from bookable.domain.recurrence import Repeat
from bookable.services.bookings import book
from bookable.storage import models as m
from bookable.storage.booking_store import SlotView

_sibling = aliased(m.Slot)
NAMED_ONES = SlotView(offers=m.Offering.name.like("Shown%"),
                      shows=(m.Offering.name, m.Slot.spaces + 100,
                             select(func.count()).where(_sibling.offering_id == m.Slot.offering_id).scalar_subquery()))
"""Shows the offering's name, the slot's places plus 100 and how many slots its offering has."""


def _booked(world, person, **target):
    with world.uow() as uow:
        outcome = book(uow, world.admin, person_id=person, view=NAMED_ONES, **target)
        uow.commit()
    return outcome


def test_a_slot_the_view_offers_is_booked_with_what_the_view_shows(world):
    slot = world.slots(world.offering(name="Shown class", spaces=7).id)[0]
    outcome = _booked(world, world.person(), slot_id=slot.id)
    assert outcome.shown == ("Shown class", 107, 1)
    assert outcome.booking.slot_id == slot.id


def test_a_courses_slot_is_read_on_the_courses_path_with_what_the_view_shows(world):
    offering = world.offering(kind=Kind.COURSE, name="Shown course", spaces=3, repeat=Repeat.DAILY,
                              end_date=local_today() + timedelta(days=5))
    slots = world.slots(offering.id)
    assert len(slots) == 3
    outcome = _booked(world, world.person(), slot_id=slots[-1].id)
    assert outcome.booking.slot_id is None and outcome.booking.offering_id == offering.id  # the whole course
    assert outcome.shown == ("Shown course", 103, 3)


def test_a_slot_the_view_does_not_offer_is_not_found_even_when_full_and_nothing_is_booked(world):
    slot = world.slots(world.offering(name="Hidden class", spaces=1).id)[0]
    with world.uow() as uow:
        book(uow, world.admin, person_id=world.person(), slot_id=slot.id)
        uow.commit()
    with pytest.raises(NotFound) as refused:
        _booked(world, world.person(), slot_id=slot.id)
    assert refused.value.field == "slot_id"
    with world.uow(write=False) as uow:
        assert len(uow.bookings.active_on_slots([slot.id])) == 1


def test_without_a_view_nothing_is_shown(world):
    slot = world.slots(world.offering(name="Hidden class").id)[0]
    with world.uow() as uow:
        outcome = book(uow, world.admin, person_id=world.person(), slot_id=slot.id)
        uow.commit()
    assert outcome.shown == ()
