from decimal import Decimal

import pytest

from bookable.domain.errors import ValidationError
from bookable.domain.money import (
    EntryKind,
    LedgerLine,
    PaymentType,
    balance,
    parse_amount,
    parse_payment_type,
    parse_price,
)


@pytest.mark.parametrize("text", ["Cash", "Cheque", "Debit Card", "Credit Card", "Other"])
def test_the_five_payment_types_are_accepted_exactly(text):
    assert parse_payment_type(text).value == text


@pytest.mark.parametrize("text", ["cash", "Card", "", None, "Debit  Card"])
def test_anything_else_is_not_a_payment_type(text):
    with pytest.raises(ValidationError) as error:
        parse_payment_type(text)
    assert error.value.field == "PaymentType"


@pytest.mark.parametrize(("text", "amount"), [("20", "20.00"), ("12.5", "12.50"), ("0.01", "0.01"), (20, "20.00"),
                                              ("999999.99", "999999.99")])
def test_amounts_are_pounds_and_pence(text, amount):
    assert parse_amount(text, "PaymentAmount") == Decimal(amount)


@pytest.mark.parametrize("value", ["-1", "abc", "1.234", "1e3", "", None, 12.5, True, "1,000", " 7.25 ", "20\n",
                                   "\u0663", "\uff12\uff10", "1000000.00", "1000000", "+5", ".5", "5."])
def test_negative_non_numeric_float_or_over_precise_amounts_are_refused(value):
    with pytest.raises(ValidationError):
        parse_amount(value, "PaymentAmount")


def test_prices_fit_decimal_8_2():
    assert parse_price("999999.99") == Decimal("999999.99")
    with pytest.raises(ValidationError):
        parse_price("1000000")


def test_the_balance_is_derived_from_the_ledger_without_floats():
    lines = [
        LedgerLine(EntryKind.PAYMENT, Decimal("0.10")),
        LedgerLine(EntryKind.PAYMENT, Decimal("0.20")),
        LedgerLine(EntryKind.REFUND, Decimal("0.05")),
        LedgerLine(EntryKind.CREDIT_NOTE, Decimal("0.05")),
    ]
    result = balance(lines)
    assert result.paid == Decimal("0.30")
    assert result.held == Decimal("0.20")
    assert all(isinstance(v, Decimal) for v in (result.paid, result.refunded, result.credited, result.held))


def test_payment_type_values_match_views_spelling():
    assert [t.value for t in PaymentType] == ["Cash", "Cheque", "Debit Card", "Credit Card", "Other"]
