"""Money: Decimal only, never float. A booking's balance is derived from its ledger."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bookable.domain.errors import InvalidState, ValidationError

ZERO = Decimal("0.00")
_AMOUNT = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
"""decimal(8,2), the price column's type: up to 999999.99, in ASCII digits only (`\\d` would take
Arabic-Indic and other digits, which Decimal() reads as numbers)."""


class PaymentType(StrEnum):
    CASH = "Cash"
    CHEQUE = "Cheque"
    DEBIT_CARD = "Debit Card"
    CREDIT_CARD = "Credit Card"
    OTHER = "Other"


class EntryKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    CREDIT_NOTE = "credit_note"


def parse_payment_type(text: str | None, field: str = "PaymentType") -> PaymentType:
    try:
        return PaymentType((text or "").strip())
    except ValueError:
        allowed = ", ".join(t.value for t in PaymentType)
        raise ValidationError(f"{field} must be one of: {allowed}.", field=field) from None


def parse_amount(value: object, field: str) -> Decimal:
    """A non-negative decimal(8,2) amount in pounds.pence: plain ASCII digits, at most 2 decimals,
    nothing around them (no spaces, signs, exponents or thousands separators), at most 999999.99.
    An int is read as its digits; floats (binary, inexact) and booleans are refused outright."""
    if isinstance(value, bool | float):
        raise ValidationError(f"{field} must be a decimal amount like 20 or 12.50.", field=field)
    text = str(value) if isinstance(value, str | int) else ""
    if not _AMOUNT.fullmatch(text):
        raise ValidationError(
            f"{field} must be an amount from 0 to 999999.99 with at most 2 decimals, like 20 or 12.50.",
            field=field,
        )
    return Decimal(text).quantize(Decimal("0.01"))


def parse_price(value: object, field: str = "price") -> Decimal:
    """decimal(8,2): at most 6 digits before the point and 2 after (parse_amount's rule)."""
    return parse_amount(value, field)


@dataclass(frozen=True)
class LedgerLine:
    kind: EntryKind
    amount: Decimal


@dataclass(frozen=True)
class Balance:
    paid: Decimal
    refunded: Decimal
    credited: Decimal

    @property
    def held(self) -> Decimal:
        """What the organisation still holds for the booking: paid less refunds and credit notes."""
        return self.paid - self.refunded - self.credited


def balance(lines: Iterable[LedgerLine]) -> Balance:
    totals = {kind: ZERO for kind in EntryKind}
    for line in lines:
        totals[line.kind] += line.amount
    return Balance(
        paid=totals[EntryKind.PAYMENT],
        refunded=totals[EntryKind.REFUND],
        credited=totals[EntryKind.CREDIT_NOTE],
    )


MAX_REFERENCE = 200


def check_reference(reference: str) -> None:
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(f"PaymentReference is longer than {MAX_REFERENCE} characters.", field="PaymentReference")


def check_can_give_back(kind: EntryKind, amount: Decimal, held: Decimal) -> None:
    """A refund or a credit note gives back part or all of what is held for a booking, never more."""
    if kind is EntryKind.PAYMENT:
        raise ValidationError("A refund or a credit note, not a payment.", field="kind")
    if amount <= ZERO:
        raise ValidationError("amount must be more than 0.", field="amount")
    if amount > held:
        raise InvalidState(f"Only {held} is held for this booking: no more can be given back.", field="amount")
