"""Every engine use case, through the services, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.local_dates import local_today

from bookable.domain.actors import Channel, Role
from bookable.domain.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    CancellationTooLate,
    HasActiveBookings,
    InvalidState,
    NotAllowed,
    NotFound,
    OutsideBookingWindow,
    SlotCancelled,
    SlotFull,
    TooManyPlaces,
    ValidationError,
    WaitingListClosed,
)
from bookable.domain.money import PaymentType
from bookable.domain.offering import Kind
from bookable.domain.recurrence import LocalOccurrence, Repeat
from bookable.services import bookings as svc
from bookable.services import offerings, register, registrations
from bookable.services.bookings import Settlement, WaitlistPolicy
from bookable.services.housekeeping import roll_all_horizons
from bookable.storage import models as m


def book(world, person, slot_id=None, actor=None, **kwargs):
    with world.uow() as uow:
        outcome = svc.book(uow, actor or world.admin, person_id=person, slot_id=slot_id, **kwargs)
        uow.commit()
        return outcome


def run(world, action):
    with world.uow() as uow:
        result = action(uow)
        uow.commit()
        return result


def statuses(world, offering_id):
    with world.uow(write=False) as uow:
        rows = uow.session.scalars(select(m.Booking).where(m.Booking.offering_id == offering_id).order_by(m.Booking.id))
        return [row.status for row in rows]


def audit_actions(world):
    with world.uow(write=False) as uow:
        return [e.action for e in uow.audit.entries(limit=1000)]


def test_booking_writes_an_audit_entry_with_actor_and_channel(world):
    slot = world.slots(world.offering().id)[0]
    outcome = book(world, world.person(), slot.id, actor=world.actor(Role.STAFF, Channel.VIEWS))
    with world.uow(write=False) as uow:
        entry = uow.audit.entries()[-1]
    assert (entry.action, entry.channel, entry.entity_id) == ("booking.created", "views", outcome.booking.id)
    assert entry.after["status"] == "confirmed"


def test_a_full_slot_without_waiting_list_refuses_and_changes_nothing(world):
    offering = world.offering(spaces=1, waitlist_enabled=False)
    slot = world.slots(offering.id)[0]
    book(world, world.person(), slot.id)
    with pytest.raises(SlotFull):
        book(world, world.person(), slot.id)
    with pytest.raises(WaitingListClosed):
        book(world, world.person(), slot.id, waitlist=WaitlistPolicy.IF_FULL)
    assert statuses(world, offering.id) == ["confirmed"]


def test_the_same_person_cannot_book_or_queue_twice(world):
    slot = world.slots(world.offering(spaces=1).id)[0]
    anna, bo = world.person(), world.person()
    book(world, anna, slot.id)
    with pytest.raises(AlreadyBooked):
        book(world, anna, slot.id)
    book(world, bo, slot.id, waitlist=WaitlistPolicy.IF_FULL)
    with pytest.raises(AlreadyWaitlisted):
        book(world, bo, slot.id, waitlist=WaitlistPolicy.IF_FULL)


def test_places_are_limited_by_max_num_bookings(world):
    slot = world.slots(world.offering(spaces=10, max_num_bookings=2).id)[0]
    assert book(world, world.person(), slot.id, places=2).booking.places == 2
    with pytest.raises(TooManyPlaces):
        book(world, world.person(), slot.id, places=3)


def test_unconfirmed_bookings_hold_places_and_can_be_confirmed_and_unconfirmed(world):
    offering = world.offering(spaces=1)
    slot = world.slots(offering.id)[0]
    reserved = book(world, world.person(), slot.id, confirmed=False).booking
    assert reserved.status == "reserved"
    with pytest.raises(SlotFull):
        book(world, world.person(), slot.id)
    assert run(world, lambda uow: svc.set_confirmed(uow, world.admin, reserved.id, True)).status == "confirmed"
    assert run(world, lambda uow: svc.set_confirmed(uow, world.admin, reserved.id, False)).status == "reserved"
    assert "booking.confirmed" in audit_actions(world) and "booking.unconfirmed" in audit_actions(world)


def test_members_book_only_for_themselves_and_within_the_window(world):
    offering = world.offering(max_advance=1)
    slot = world.slots(offering.id)[0]
    anna, bo = world.person(), world.person()
    member = world.actor(Role.MEMBER, Channel.BRP, person_id=anna)
    with pytest.raises(NotAllowed):
        book(world, bo, slot.id, actor=member)
    with pytest.raises(OutsideBookingWindow):
        book(world, anna, slot.id, actor=member)
    with pytest.raises(OutsideBookingWindow):
        book(world, anna, slot.id, actor=member, override_window=True)
    assert book(world, bo, slot.id, override_window=True).booking.status == "confirmed"


def test_cancellation_respects_min_cancel_for_members_and_staff_may_override(world):
    offering = world.offering(min_cancel=5)
    slot = world.slots(offering.id)[0]
    anna = world.person()
    booking = book(world, anna, slot.id).booking
    member = world.actor(Role.MEMBER, Channel.BRP, person_id=anna)
    with pytest.raises(CancellationTooLate):
        run(world, lambda uow: svc.cancel(uow, member, booking.id))
    run(world, lambda uow: svc.cancel(uow, world.admin, booking.id, override_window=True))
    with pytest.raises(InvalidState):
        run(world, lambda uow: svc.cancel(uow, world.admin, booking.id))


def test_a_member_cannot_cancel_someone_elses_booking(world):
    slot = world.slots(world.offering().id)[0]
    booking = book(world, world.person(), slot.id).booking
    other = world.actor(Role.MEMBER, Channel.BRP, person_id=world.person())
    with pytest.raises(NotAllowed):
        run(world, lambda uow: svc.cancel(uow, other, booking.id))


def test_cancel_with_refund_or_credit_settles_what_was_paid_and_keeps_the_row(world):
    slot = world.slots(world.offering(spaces=5, price=Decimal("20.00")).id)[0]
    refunded, credited = book(world, world.person(), slot.id).booking, book(world, world.person(), slot.id).booking
    for booking in (refunded, credited):
        run(
            world,
            lambda uow, b=booking: svc.record_payment(
                uow,
                world.admin,
                b.id,
                payment_type=PaymentType.DEBIT_CARD,
                amount=Decimal("20.00"),
                fee=Decimal("2.50"),
                reference="7002",
            ),
        )
    assert run(
        world, lambda uow: svc.cancel(uow, world.admin, refunded.id, settlement=Settlement.REFUND)
    ).settled == Decimal("20.00")
    run(world, lambda uow: svc.cancel(uow, world.admin, credited.id, settlement=Settlement.CREDIT))
    with world.uow(write=False) as uow:
        assert [e.kind for e in uow.bookings.ledger(refunded.id)] == ["payment", "refund"]
        assert [e.kind for e in uow.bookings.ledger(credited.id)] == ["payment", "credit_note"]
        assert svc.ledger_balance(uow, refunded.id).held == Decimal("0.00")
        assert uow.bookings.booking(refunded.id).status == "cancelled"


def test_payments_on_a_cancelled_booking_are_refused(world):
    slot = world.slots(world.offering().id)[0]
    booking = book(world, world.person(), slot.id).booking
    run(world, lambda uow: svc.cancel(uow, world.admin, booking.id))
    with pytest.raises(InvalidState):
        run(
            world,
            lambda uow: svc.record_payment(
                uow, world.admin, booking.id, payment_type=PaymentType.CASH, amount=Decimal("1")
            ),
        )


def test_raising_capacity_promotes_the_waiting_list_and_lowering_below_held_is_refused(world):
    offering = world.offering(spaces=1)
    slot = world.slots(offering.id)[0]
    book(world, world.person(), slot.id)
    waiting = [book(world, world.person(), slot.id, waitlist=WaitlistPolicy.IF_FULL).booking.id for _ in range(3)]
    run(world, lambda uow: offerings.change_capacity(uow, world.admin, slot.id, 3))
    assert statuses(world, offering.id) == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    with pytest.raises(ValidationError):
        run(world, lambda uow: offerings.change_capacity(uow, world.admin, slot.id, 2))
    with world.uow(write=False) as uow:
        assert uow.bookings.waiting_position(uow.bookings.booking(waiting[2])) == 1


def test_auto_promotion_can_be_switched_off(world):
    offering = world.offering(spaces=1, auto_promote=False)
    slot = world.slots(offering.id)[0]
    first = book(world, world.person(), slot.id).booking
    book(world, world.person(), slot.id, waitlist=WaitlistPolicy.IF_FULL)
    assert run(world, lambda uow: svc.cancel(uow, world.admin, first.id)).promoted == []
    assert statuses(world, offering.id) == ["cancelled", "waitlisted"]


def test_cancelling_a_slot_is_refused_while_it_holds_bookings_and_restoring_it_promotes(world):
    offering = world.offering(spaces=1)
    slot = world.slots(offering.id)[0]
    book(world, world.person(), slot.id)
    with pytest.raises(HasActiveBookings):
        run(world, lambda uow: offerings.set_slot_cancelled(uow, world.admin, slot.id, True))
    run(world, lambda uow: offerings.set_slot_cancelled(uow, world.admin, slot.id, True, cancel_bookings=True))
    with pytest.raises(SlotCancelled):
        book(world, world.person(), slot.id)
    run(world, lambda uow: offerings.set_slot_cancelled(uow, world.admin, slot.id, False))
    assert book(world, world.person(), slot.id).booking.status == "confirmed"


def test_a_course_booking_holds_a_place_on_every_slot(world):
    offering = world.offering(
        kind=Kind.COURSE, spaces=1, repeat=Repeat.WEEKLY, end_date=local_today() + timedelta(days=17)
    )
    slots = world.slots(offering.id)
    assert len(slots) == 3
    with world.uow() as uow:
        booking = svc.book(uow, world.admin, person_id=world.person(), offering_id=offering.id).booking
        uow.commit()
    assert booking.slot_id is None
    with pytest.raises(SlotFull):
        book(world, world.person(), slots[1].id)
    with world.uow(write=False) as uow:
        assert [len(uow.bookings.on_slot(s, offering)) for s in slots] == [1, 1, 1]


def test_replacing_slots_keeps_bookings_on_slots_that_stay_and_refuses_to_drop_booked_ones(world):
    start = local_today() + timedelta(days=10)
    custom = (LocalOccurrence(start, time(10), 60), LocalOccurrence(start + timedelta(days=1), time(10), 60))
    offering = world.offering(kind=Kind.EVENT, repeat=Repeat.CUSTOM, custom_slots=custom, start_date=start)
    first, second = world.slots(offering.id)
    booking = book(world, world.person(), first.id).booking
    with pytest.raises(HasActiveBookings):
        run(world, lambda uow: offerings.update_offering(uow, world.admin, offering.id, {}, custom_slots=custom[1:]))
    assert len(world.slots(offering.id)) == 2
    run(
        world,
        lambda uow: offerings.update_offering(
            uow,
            world.admin,
            offering.id,
            {"name": "Renamed"},
            custom_slots=custom[:1] + (LocalOccurrence(start, time(14), 30),),
        ),
    )
    after = world.slots(offering.id)
    assert [(s.id == first.id, s.local_time) for s in after] == [(True, time(10)), (False, time(14))]
    run(
        world,
        lambda uow: offerings.update_offering(
            uow, world.admin, offering.id, {}, custom_slots=custom[1:], cancel_active=True
        ),
    )
    assert statuses(world, offering.id) == ["cancelled"]
    with world.uow(write=False) as uow:
        assert uow.bookings.booking(booking.id) is not None


def test_deleting_an_offering_with_active_bookings_needs_an_explicit_cancel(world):
    offering = world.offering()
    book(world, world.person(), world.slots(offering.id)[0].id)
    with pytest.raises(HasActiveBookings):
        run(world, lambda uow: offerings.delete_offering(uow, world.admin, offering.id))
    run(world, lambda uow: offerings.delete_offering(uow, world.admin, offering.id, cancel_active=True))
    with world.uow(write=False) as uow:
        assert uow.offerings.offering(offering.id) is None
        assert uow.offerings.get(m.Offering, offering.id).deleted
    assert statuses(world, offering.id) == ["cancelled"]


def test_moving_a_slot_keeps_its_bookings_and_follows_local_time(world):
    slot = world.slots(world.offering().id)[0]
    book(world, world.person(), slot.id)
    moved = run(
        world,
        lambda uow: offerings.update_slot(
            uow, world.admin, slot.id, local_date=date(2026, 10, 25), local_time=time(18, 0), duration=35
        ),
    )
    assert moved.starts_at == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)
    assert moved.ends_at - moved.starts_at == timedelta(minutes=35)


def test_open_ended_recurring_offerings_roll_forward_to_their_horizon(world):
    offering = world.offering(kind=Kind.RECURRING, repeat=Repeat.DAILY, max_advance=3, start_date=local_today())
    before = len(world.slots(offering.id))
    assert 3 <= before <= 4
    with world.uow() as uow:
        added = offerings.extend_horizon(
            uow, world.admin, uow.offerings.offering(offering.id), now=datetime.now(UTC) + timedelta(days=5)
        )
        uow.commit()
    assert added == 5
    assert roll_all_horizons(world.database) >= 0


def test_the_register_marks_attendance_and_replacing_it_cancels_whoever_is_dropped(world):
    offering = world.offering(spaces=3, start_date=local_today() - timedelta(days=1))
    slot = world.slots(offering.id)[0]
    anna, bo, cy = world.person(), world.person(), world.person()
    line = register.RegisterLine(anna, attended=None, volunteering=("Made Coffee",))
    anna_booking = run(world, lambda uow: register.mark(uow, world.admin, register.session_of(uow, slot.id), line))
    with world.uow(write=False) as uow:
        mark = uow.bookings.attendance(anna_booking, slot.id)
        assert (mark.attended, mark.volunteering) == (True, "Made Coffee")
    lines = [register.RegisterLine(bo, attended=False), register.RegisterLine(cy, attended=True)]
    run(world, lambda uow: register.replace(uow, world.admin, register.session_of(uow, slot.id), lines))
    with world.uow(write=False) as uow:
        people = sorted(p.person.id for p in register.participants(uow, register.session_of(uow, slot.id)))
        assert uow.bookings.booking(anna_booking).status == "cancelled"
    assert people == sorted([bo, cy])


def test_a_register_that_does_not_fit_changes_nothing(world):
    offering = world.offering(spaces=1)
    slot = world.slots(offering.id)[0]
    book(world, world.person(), slot.id)
    lines = [register.RegisterLine(world.person()), register.RegisterLine(world.person())]
    with pytest.raises(SlotFull):
        run(world, lambda uow: register.replace(uow, world.admin, register.session_of(uow, slot.id), lines))
    assert statuses(world, offering.id) == ["confirmed"]


def test_registrations_assign_and_remove_sessions_with_waiting_lists(world):
    start = local_today() + timedelta(days=20)
    custom = tuple(LocalOccurrence(start + timedelta(days=i), time(9), 60) for i in range(3))
    offering = world.offering(kind=Kind.EVENT, repeat=Repeat.CUSTOM, custom_slots=custom, spaces=1, start_date=start)
    other_event = world.offering()
    slots = [s.id for s in world.slots(offering.id)]
    book(world, world.person(), slots[2])
    registration = run(
        world, lambda uow: registrations.create_registration(uow, world.admin, offering.id, world.person(), "REG-1", 17)
    )
    result = run(world, lambda uow: registrations.assign_sessions(uow, world.admin, registration, slots))
    assert sorted((b.slot_id, b.status) for b in result.bookings) == [
        (slots[0], "confirmed"),
        (slots[1], "confirmed"),
        (slots[2], "waitlisted"),
    ]
    with pytest.raises(NotFound):
        run(
            world,
            lambda uow: registrations.assign_sessions(
                uow, world.admin, registration, [world.slots(other_event.id)[0].id]
            ),
        )
    result = run(world, lambda uow: registrations.remove_sessions(uow, world.admin, registration, slots[:1]))
    assert sorted(b.slot_id for b in result.bookings) == slots[1:]
    with world.uow(write=False) as uow:
        assert registrations.find_registration(uow, offering.id, None, 17).code == "REG-1"


def test_another_tenants_slots_and_people_are_not_found(world, database):
    from bookable.domain.actors import Actor
    from bookable.services import accounts
    from bookable.storage.unit_of_work import UnitOfWork

    slot = world.slots(world.offering().id)[0]
    anna = world.person()
    with UnitOfWork(database, 0) as uow:
        other = accounts.add_tenant(uow, f"other-{world.tenant.slug}")
        uow.commit()
    intruder = Actor(other.id, "intruder", Role.ADMIN, Channel.NATIVE)
    with UnitOfWork(database, other.id) as uow, pytest.raises(NotFound):
        svc.book(uow, intruder, person_id=anna, slot_id=slot.id)
    with UnitOfWork(database, other.id) as uow:
        assert uow.people.person(anna) is None
        assert uow.offerings.slot(slot.id) is None
