"""Attendance defaults and volunteering roles (Views: `Role|Role`)."""

from __future__ import annotations

from datetime import datetime

from bookable.domain.errors import ValidationError

MAX_VOLUNTEERING = 500


def default_attended(now: datetime, slot_start: datetime) -> bool:
    """Attended defaults to 0, or to 1 once the slot has started."""
    return now >= slot_start


def parse_volunteering(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    roles = tuple(role.strip() for role in text.split("|"))
    return tuple(role for role in roles if role)


def format_volunteering(roles: tuple[str, ...]) -> str:
    text = "|".join(roles)
    if len(text) > MAX_VOLUNTEERING:
        raise ValidationError(f"Volunteering is longer than {MAX_VOLUNTEERING} characters.", field="Volunteering")
    return text


def parse_flag(value: object, field: str) -> bool:
    """0/1 as Views sends them (also true/false)."""
    text = str(value).strip().lower() if value is not None else ""
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ValidationError(f"{field} must be 0 or 1.", field=field)
