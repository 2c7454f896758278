"""Two callers cancelling the same booking at once: exactly one succeeds, and money moves once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import select

from bookable.domain.errors import InvalidState
from bookable.domain.money import PaymentType
from bookable.services.bookings import Settlement, book, cancel, record_payment
from bookable.storage import models as m

CALLERS = 4


def test_concurrent_cancellations_of_one_booking_cancel_and_refund_it_once(world):
    slot_id = world.slots(world.offering(spaces=2).id)[0].id
    with world.uow() as uow:
        booking_id = book(uow, world.admin, person_id=world.person(), slot_id=slot_id).booking.id
        record_payment(uow, world.admin, booking_id, payment_type=PaymentType.CASH, amount=Decimal("10"))
        uow.commit()
    start = threading.Barrier(CALLERS)

    def attempt(_):
        start.wait()
        with world.uow() as uow:
            try:
                cancel(uow, world.admin, booking_id, settlement=Settlement.REFUND)
            except InvalidState:
                return "refused"
            uow.commit()
            return "cancelled"

    with ThreadPoolExecutor(max_workers=CALLERS) as pool:
        outcomes = sorted(pool.map(attempt, range(CALLERS)))

    assert outcomes == ["cancelled"] + ["refused"] * (CALLERS - 1)
    with world.uow(write=False) as uow:
        kinds = [e.kind for e in uow.bookings.ledger(booking_id)]
        cancels = uow.session.scalars(select(m.EventRecord).where(
            m.EventRecord.entity_id == booking_id, m.EventRecord.action == "booking.cancelled")).all()
    assert kinds == ["payment", "refund"]
    assert len(cancels) == 1
