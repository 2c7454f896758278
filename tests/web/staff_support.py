"""Helpers of the staff page tests: a class of the test's tenant, and a booking on it."""

from __future__ import annotations

from typing import Any

from web_support import in_days

from bookable.services.bookings import book


def a_class(world: Any, days: int = 2, spaces: int = 5, **spec: Any) -> Any:
    offering = world.offering(start_date=in_days(days), spaces=spaces, **spec)
    return world.slots(offering.id)[0]


def booked(world: Any, slot_id: int, first: str = "Ella", **extra: Any) -> int:
    person = world.person(first, "Berg", **extra)
    with world.uow() as uow:
        booking = book(uow, world.admin, person_id=person, slot_id=slot_id, override_window=True).booking.id
        uow.commit()
    return booking
