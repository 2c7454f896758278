"""A slot's register, as the staff pages read it: who holds a place (status, places, what they paid
and still owe, attended, volunteering roles), who waits (in order), and the people a walk-in search
finds. Read in one unit of work through the register service (services.register), as the Views API
reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bookable.domain.member_options import amount_owed
from bookable.domain.money import balance
from bookable.services import register
from bookable.storage import models as m
from bookable.storage.queries import staff as staff_reads
from bookable.storage.queries import web as web_reads
from bookable.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    last_name: str
    email: str
    card_number: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or f"#{self.id}"


def person_of(row: m.Person) -> Person:
    return Person(row.id, row.first_name, row.last_name, row.email or "", row.card_number or "")


@dataclass(frozen=True)
class Participant:
    booking_id: int
    person: Person
    status: str
    places: int
    attended: bool
    volunteering: str
    paid: Decimal
    owed: Decimal


@dataclass(frozen=True)
class Waiting:
    booking_id: int
    person: Person
    places: int
    position: int


@dataclass(frozen=True)
class Register:
    slot_id: int
    offering_id: int
    name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    spaces: int
    online_spaces: int | None
    cancelled: bool
    price: Decimal | None
    participants: list[Participant]
    waiting: list[Waiting]
    found: list[Person]

    @property
    def held(self) -> int:
        return sum(p.places for p in self.participants)

    @property
    def free(self) -> int:
        return max(0, self.spaces - self.held)

    @property
    def attended(self) -> int:
        return sum(1 for p in self.participants if p.attended)


def read_register(uow: UnitOfWork, tenant_id: int, slot_id: int, search: str = "") -> Register:
    """NotFound for a slot that is not this tenant's."""
    session = register.session_of(uow, slot_id)
    rows = register.participants(uow, session)
    ledgers = web_reads.ledger_lines(uow.session, tenant_id, [row.booking.id for row in rows])
    price = session.offering.price
    participants = []
    for row in rows:
        held = balance(ledgers.get(row.booking.id, [])).held
        attendance = row.attendance
        participants.append(Participant(
            row.booking.id, person_of(row.person), row.booking.status, row.booking.places,
            bool(attendance.attended) if attendance else False, attendance.volunteering if attendance else "",
            held, amount_owed(price, row.booking.places, balance(ledgers.get(row.booking.id, [])))))
    waiting = [Waiting(row.booking.id, person_of(row.person), row.booking.places, position)
               for position, row in enumerate(staff_reads.waiting_rows(uow.session, session.slot, session.offering), 1)]
    found = [person_of(p) for p in staff_reads.search_people(uow.session, tenant_id, search)] if search else []
    slot, offering = session.slot, session.offering
    return Register(slot.id, offering.id, offering.name, offering.kind, slot.starts_at, slot.ends_at, slot.spaces,
                    slot.online_spaces, slot.cancelled, price, participants, waiting, found)
