"""Types of the values native requests carry, declared once so that every endpoint reads an id or an
amount the same way, and the OpenAPI document says what is accepted.

- `Id`: an id in a body or a query filter; outside 1..MAX_ID it is a 422 naming the field.
- `PathId`: an id in the path; outside that range it names nothing, so the answer is 404
  (app._install_error_handlers turns a failed path parameter into not_found).
- `Amount`, `Price`: decimal(8,2) in plain ASCII digits, as domain.money.parse_amount reads them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, Field, WithJsonSchema

from bookable.api.ids import MAX_ID
from bookable.domain.errors import ValidationError
from bookable.domain.money import parse_amount

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _plain_amount(value: Any) -> Decimal:
    try:
        return parse_amount(value, "amount")
    except ValidationError:
        raise ValueError("must be a decimal(8,2) amount from 0 to 999999.99 in plain digits, "
                         "at most 2 decimals, such as \"20.00\"") from None


def _money(description: str) -> WithJsonSchema:
    return WithJsonSchema({"description": description, "anyOf": [
        {"type": "string", "pattern": r"^[0-9]{1,6}(\.[0-9]{1,2})?$", "examples": ["20.00"]},
        {"type": "integer", "minimum": 0, "maximum": 999_999}]})


Amount = Annotated[Decimal, BeforeValidator(_plain_amount),
                   _money("Pounds.pence, 0 to 999999.99: send a string such as \"20.00\".")]
Price = Annotated[Decimal, BeforeValidator(_plain_amount),
                  _money("decimal(8,2), 0 to 999999.99: send a string such as \"12.50\".")]
