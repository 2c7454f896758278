"""Random sequences of engine operations never break the invariants that matter most:
held places never exceed spaces, and no booking row or ledger entry is ever lost."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from tests.local_dates import LONDON, local_today

from bookable.domain.actors import Actor, Channel, Role
from bookable.domain.errors import DomainError
from bookable.domain.money import PaymentType
from bookable.domain.offering import Kind, OfferingSpec
from bookable.services import accounts, register
from bookable.services.bookings import Settlement, WaitlistPolicy, book, cancel, record_payment
from bookable.services.offerings import change_capacity, create_offering
from bookable.services.register import RegisterLine
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork


def machine_for(database):
    class EngineMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            with UnitOfWork(database, 0) as uow:
                tenant = accounts.add_tenant(uow, f"sm-{uuid.uuid4().hex[:10]}", timezone="Europe/London")
                uow.commit()
            self.tenant_id = tenant.id
            self.actor = Actor(tenant.id, "machine", Role.ADMIN, Channel.NATIVE)
            with self.uow() as uow:
                spec = OfferingSpec(
                    kind=Kind.EVENT,
                    name="Yoga",
                    group="Classes",
                    spaces=3,
                    min_cancel=0,
                    start_date=local_today(LONDON) + timedelta(days=5),
                    start_time=time(9, 0),
                )
                offering = create_offering(uow, self.actor, spec)
                self.slot_id = uow.offerings.slots_of(offering.id)[0].id
                people = [
                    m.Person(tenant_id=tenant.id, first_name=f"P{i}", created_at=accounts.utc_now()) for i in range(6)
                ]
                uow.session.add_all(people)
                uow.commit()
                self.people = [p.id for p in people]
            self.seen_bookings: set[int] = set()
            self.ledger_count = 0

        def uow(self):
            return UnitOfWork(database, self.tenant_id)

        def attempt(self, action):
            with self.uow() as uow:
                try:
                    action(uow)
                except DomainError:
                    return
                uow.commit()

        @rule(person=st.integers(0, 5), places=st.integers(1, 2), wait=st.booleans())
        def book_someone(self, person, places, wait):
            policy = WaitlistPolicy.IF_FULL if wait else WaitlistPolicy.NEVER

            def action(uow):
                uow.offerings.get(m.Offering, uow.offerings.slot(self.slot_id).offering_id).max_num_bookings = 2
                outcome = book(
                    uow, self.actor, person_id=self.people[person], slot_id=self.slot_id, places=places, waitlist=policy
                )
                self.seen_bookings.add(outcome.booking.id)

            self.attempt(action)

        @rule(index=st.integers(0, 50), settlement=st.sampled_from(list(Settlement)))
        def cancel_one(self, index, settlement):
            if not self.seen_bookings:
                return
            booking_id = sorted(self.seen_bookings)[index % len(self.seen_bookings)]
            self.attempt(lambda uow: cancel(uow, self.actor, booking_id, settlement=settlement))

        @rule(index=st.integers(0, 50), pounds=st.integers(0, 50))
        def pay(self, index, pounds):
            if not self.seen_bookings:
                return
            booking_id = sorted(self.seen_bookings)[index % len(self.seen_bookings)]
            self.attempt(
                lambda uow: record_payment(
                    uow, self.actor, booking_id, payment_type=PaymentType.CASH, amount=Decimal(pounds)
                )
            )

        @rule(spaces=st.integers(0, 6))
        def change_spaces(self, spaces):
            self.attempt(lambda uow: change_capacity(uow, self.actor, self.slot_id, spaces))

        @rule(chosen=st.sets(st.integers(0, 5), max_size=4))
        def replace_the_register(self, chosen):
            lines = [RegisterLine(self.people[i]) for i in sorted(chosen)]
            self.attempt(
                lambda uow: self.seen_bookings.update(
                    register.replace(uow, self.actor, register.session_of(uow, self.slot_id), lines)
                )
            )

        @invariant()
        def held_places_never_exceed_spaces(self):
            if not hasattr(self, "slot_id"):
                return
            with UnitOfWork(database, self.tenant_id, write=False) as uow:
                slot = uow.offerings.slot(self.slot_id)
                held = uow.session.scalar(
                    select(func.coalesce(func.sum(m.Booking.places), 0)).where(
                        m.Booking.slot_id == self.slot_id, m.Booking.status.in_(("confirmed", "reserved"))
                    )
                )
                assert held <= slot.spaces

        @invariant()
        def no_booking_or_ledger_entry_is_ever_lost(self):
            if not hasattr(self, "slot_id"):
                return
            with UnitOfWork(database, self.tenant_id, write=False) as uow:
                ids = set(uow.session.scalars(select(m.Booking.id).where(m.Booking.tenant_id == self.tenant_id)))
                ledger = uow.session.scalar(
                    select(func.count()).select_from(m.LedgerEntry).where(m.LedgerEntry.tenant_id == self.tenant_id)
                )
            assert self.seen_bookings <= ids
            self.seen_bookings |= ids
            assert ledger >= self.ledger_count
            self.ledger_count = ledger

    return EngineMachine


def test_random_operation_sequences_keep_capacity_and_never_lose_rows(database):
    run_state_machine_as_test(
        machine_for(database),
        settings=settings(
            max_examples=20, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
