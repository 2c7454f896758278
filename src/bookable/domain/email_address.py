"""The one rule for an email address, wherever one comes in (every API, the CLI, the demo)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from bookable.domain.errors import ValidationError


def check_email(value: str, field: str = "email") -> None:
    """Syntax only (no DNS look-up): a booking must not wait on, or fail by, someone's mail server."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"{field} is not an email address: {error}", field=field) from None
