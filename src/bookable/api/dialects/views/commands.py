"""Typed commands read from a Document's fields. Every value is checked here, before any change."""

from __future__ import annotations

import re

from bookable.api.dialects.views.documents import Item, Record
from bookable.api.ids import is_id
from bookable.domain.attendance import parse_flag, parse_volunteering
from bookable.domain.errors import NotFound, ValidationError
from bookable.domain.money import ZERO, parse_amount, parse_payment_type
from bookable.services.bookings import Settlement
from bookable.services.person_details import check_details
from bookable.services.register import NewParticipant, Payment, RegisterLine

_DIGITS = re.compile(r"[0-9]{1,200}")
"""ASCII digits: `\\d` would also take other scripts' digits, which int() reads."""
MAX_REFERENCE = 200
DETAIL_COLUMNS = {
    "Forename": "first_name",
    "Surname": "last_name",
    "Address1": "street_address",
    "Address2": "address2",
    "Town": "town",
    "County": "county",
    "Postcode": "postcode",
    "Telephone": "home_phone",
    "Email": "email",
}
SETTLEMENTS = {"refund": Settlement.REFUND, "credit": Settlement.CREDIT}


def parse_id(text: str | None, name: str, *, what: str) -> int:
    """A positive id; non-digits are a 400, an id beyond any stored one is simply not found."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"{name} is required.", field=name)
    if not _DIGITS.fullmatch(text):
        raise ValidationError(f"{name} must be a whole number.", field=name)
    value = int(text)
    if not is_id(value):
        raise NotFound(f"{what} {text} not found.", field=name)
    return value


def path_id(text: str, what: str) -> int:
    if not _DIGITS.fullmatch(text) or not is_id(int(text)):
        raise NotFound(f"{what} {text[:40]} not found.")
    return int(text)


def _present(record: Record, name: str) -> str | None:
    value = record.get(name)
    return value if value else None


def payment_of(record: Record, *, required: bool) -> Payment | None:
    if not required and _present(record, "PaymentType") is None and _present(record, "PaymentAmount") is None:
        return None
    if _present(record, "PaymentType") is None:
        raise ValidationError("PaymentType is required.", field="PaymentType")
    if _present(record, "PaymentAmount") is None:
        raise ValidationError("PaymentAmount is required.", field="PaymentAmount")
    fee = _present(record, "PaymentFee")
    reference = record.get("PaymentReference", "")
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(f"PaymentReference is longer than {MAX_REFERENCE} characters.", field="PaymentReference")
    return Payment(
        payment_type=parse_payment_type(record["PaymentType"]),
        amount=parse_amount(record["PaymentAmount"], "PaymentAmount"),
        fee=parse_amount(fee, "PaymentFee") if fee is not None else ZERO,
        reference=reference,
    )


def confirmed_of(record: Record, *, required: bool) -> bool | None:
    value = _present(record, "Confirmed")
    if value is None:
        if required:
            raise ValidationError("Confirmed is required (1 or 0).", field="Confirmed")
        return None
    return parse_flag(value, "Confirmed")


def details_of(record: Record) -> dict[str, str]:
    details = {column: record[name] for name, column in DETAIL_COLUMNS.items() if record.get(name)}
    check_details(details, {column: name for name, column in DETAIL_COLUMNS.items()})
    return details


def new_participant(record: Record) -> NewParticipant:
    person_id = parse_id(record.get("PersonID") or record.get("ContactID"), "PersonID", what="Person")
    confirmed = confirmed_of(record, required=False)
    waiting = _present(record, "WaitingList")
    return NewParticipant(
        person_id=person_id,
        payment=payment_of(record, required=False),
        details=details_of(record),
        confirmed=True if confirmed is None else confirmed,
        waiting_list=parse_flag(waiting, "WaitingList") if waiting is not None else False,
    )


def register_line(record: Record, *, replacing: bool = False) -> RegisterLine:
    """Absent Volunteering keeps a person's roles, unless the whole register is being replaced."""
    attended = _present(record, "Attended")
    volunteering = record.get("Volunteering", "" if replacing else None)
    return RegisterLine(
        person_id=parse_id(record.get("ContactID") or record.get("PersonID"), "ContactID", what="Contact"),
        attended=parse_flag(attended, "Attended") if attended is not None else None,
        volunteering=parse_volunteering(volunteering) if volunteering is not None else None,
    )


def register_lines(items: list[Item]) -> list[RegisterLine]:
    lines = []
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError("Each <participant> must hold a ContactID.", field="ContactID")
        lines.append(register_line(item, replacing=True))
    return lines


def participant_ids(items: list[Item]) -> list[int]:
    if not items:
        raise ValidationError("List at least one <participant> id to remove.", field="participant")
    ids = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("Each <participant> must be a participant id.", field="participant")
        ids.append(parse_id(item, "participant", what="Participant"))
    if len(set(ids)) != len(ids):
        raise ValidationError("A participant id appears twice.", field="participant")
    return ids


def settlement_of(text: str) -> Settlement:
    try:
        return SETTLEMENTS[text.strip().lower()]
    except KeyError:
        raise ValidationError("refundtype must be Refund or Credit.", field="refundtype") from None
