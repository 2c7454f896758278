"""Today as a test tenant sees it. The engine's days are the tenant's local days: between 23:00 and
midnight UTC it is already tomorrow in Stockholm, and a test that took the machine's own date
would be one day short there."""

from __future__ import annotations

from datetime import date

from bookable.services.offerings import today_in

STOCKHOLM = "Europe/Stockholm"  # tests/conftest.py's `world`
LONDON = "Europe/London"


def local_today(zone: str = STOCKHOLM) -> date:
    return today_in(zone)
