"""What Views callers see: a session's participant list, and the full booking record."""

from __future__ import annotations

from decimal import Decimal

from bookable.api.dialects.views.render import Node, Value
from bookable.domain.booking import Booking, BookingStatus
from bookable.services.bookings import ledger_balance
from bookable.services.person_details import KeptValue
from bookable.services.register import Session
from bookable.services.register import participants as participants_of
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

DETAIL_FIELDS = {
    "first_name": "Forename",
    "last_name": "Surname",
    "street_address": "Address1",
    "address2": "Address2",
    "town": "Town",
    "county": "County",
    "postcode": "Postcode",
    "home_phone": "Telephone",
    "email": "Email",
}


def full_name(person: m.Person) -> str:
    return f"{person.first_name} {person.last_name}".strip()


def participant_fields(session: Session, person: m.Person, attendance: m.Attendance | None) -> list[tuple[str, Value]]:
    return [
        ("SessionID", session.slot.id),
        ("SessionGroupID", session.offering.id),
        ("Name", full_name(person)),
        ("ContactType", person.contact_type),
        ("Attended", bool(attendance and attendance.attended)),
        ("Volunteering", attendance.volunteering if attendance else ""),
    ]


def session_node(uow: UnitOfWork, session: Session) -> Node:
    rows = participants_of(uow, session)
    participants = [
        Node("participant", row.booking.id, participant_fields(session, row.person, row.attendance))
        for row in rows
    ]
    return Node("session", session.slot.id, [("participants", participants)])


def booking_node(uow: UnitOfWork, session: Session, booking: Booking, kept: list[KeptValue] | None = None) -> Node:
    person = uow.people.person(booking.person_id)
    assert person is not None
    attendance = uow.bookings.attendance(booking.id, session.slot.id)
    fields = participant_fields(session, person, attendance)
    fields[2:2] = [("ContactID", person.id), ("PersonID", person.id)]
    fields += [
        ("Status", booking.status),
        ("Confirmed", booking.status == BookingStatus.CONFIRMED),
        ("WaitingListPosition", uow.bookings.waiting_position(booking)),
        ("Places", booking.places),
        ("Price", session.offering.price),
        ("Ledger", [_entry_node(entry) for entry in uow.bookings.ledger(booking.id)]),
        ("Balance", _balance_node(uow, booking.id)),
    ]
    if kept:
        fields.append(("NotApplied", [_kept_node(value) for value in kept]))
    return Node("booking", booking.id, fields)


def _entry_node(entry: m.LedgerEntry) -> Node:
    return Node("entry", entry.id, [
        ("Kind", entry.kind),
        ("PaymentType", entry.payment_type),
        ("Amount", Decimal(entry.amount)),
        ("Fee", Decimal(entry.fee)),
        ("Reference", entry.reference),
        ("Created", int(entry.created_at.timestamp())),
    ])


def _balance_node(uow: UnitOfWork, booking_id: int) -> Node:
    balance = ledger_balance(uow, booking_id)
    return Node("Balance", None, [
        ("Paid", balance.paid),
        ("Refunded", balance.refunded),
        ("Credited", balance.credited),
        ("Held", balance.held),
    ])


def _kept_node(value: KeptValue) -> Node:
    field = DETAIL_FIELDS.get(value.column, value.column)
    return Node("field", None, [("Sent", value.sent), ("Kept", value.kept)], attributes={"name": field})
