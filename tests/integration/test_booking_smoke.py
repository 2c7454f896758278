from bookable.services.bookings import WaitlistPolicy, book, cancel


def test_a_full_slot_queues_and_a_cancellation_promotes_the_first_in_line(world):
    offering = world.offering(spaces=1)
    slot = world.slots(offering.id)[0]
    anna, bo = world.person("Anna"), world.person("Bo")
    with world.uow() as uow:
        first = book(uow, world.admin, person_id=anna, slot_id=slot.id)
        second = book(uow, world.admin, person_id=bo, slot_id=slot.id, waitlist=WaitlistPolicy.IF_FULL)
        uow.commit()
    assert not first.waitlisted and second.waitlisted and second.position == 1
    with world.uow() as uow:
        outcome = cancel(uow, world.admin, first.booking.id)
        uow.commit()
    assert [b.id for b in outcome.promoted] == [second.booking.id]
