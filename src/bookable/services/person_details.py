"""Contact details sent along with a booking fill a person's blank fields; they never overwrite.

A value that differs from one already on record is kept out and reported back, so a caller is
never silently ignored and a booking form can never rewrite someone's record by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookable.domain.actors import Actor
from bookable.domain.email_address import check_email
from bookable.domain.errors import ValidationError
from bookable.domain.events import DomainEvent, EventType
from bookable.storage import models as m
from bookable.storage.unit_of_work import UnitOfWork

MAX_LENGTH = {
    "first_name": 100,
    "last_name": 100,
    "street_address": 200,
    "address2": 200,
    "town": 100,
    "county": 100,
    "postcode": 20,
    "home_phone": 40,
    "email": 200,
}


@dataclass(frozen=True)
class KeptValue:
    """A sent value that was not applied because the record already holds another one."""

    column: str
    sent: str
    kept: str


def check_details(details: dict[str, str], names: dict[str, str] | None = None) -> None:
    """Refuse unknown columns, over-long values and a malformed email (names: column -> caller's field)."""
    names = names or {}
    for column, value in details.items():
        field = names.get(column, column)
        if column not in MAX_LENGTH:
            raise ValidationError(f"{field} is not a person detail.", field=field)
        if len(value) > MAX_LENGTH[column]:
            raise ValidationError(f"{field} is longer than {MAX_LENGTH[column]} characters.", field=field)
        if column == "email" and value:
            check_email(value, field)


def fill_blank_details(uow: UnitOfWork, actor: Actor, person: m.Person, details: dict[str, str]) -> list[KeptValue]:
    check_details(details)
    filled: dict[str, str] = {}
    kept: list[KeptValue] = []
    for column, value in details.items():
        value = value.strip()
        current = (getattr(person, column) or "").strip()
        if not value or value == current:
            continue
        if current:
            kept.append(KeptValue(column, value, current))
            continue
        setattr(person, column, value)
        filled[column] = value
    if filled:
        uow.record(actor, DomainEvent(EventType.PERSON_DETAILS_FILLED, "person", person.id,
                                      {column: "" for column in filled}, filled))
    return kept
