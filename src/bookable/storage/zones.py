"""Tenants' time zones, remembered: every booking and every rendered time needs one."""

from __future__ import annotations

import time
from collections.abc import Callable


class TenantZones:
    """Tenants' IANA time zones, remembered for ZONE_SECONDS per database: no service changes a
    tenant's zone, and the hot paths need it on every call. Keyed by the Database object, which
    lives as long as its process serves it."""

    ZONE_SECONDS = 300.0

    def __init__(self) -> None:
        self._zones: dict[tuple[object, int], tuple[float, str]] = {}

    def zone(self, database: object, tenant_id: int, read: Callable[[], str]) -> str:
        key = (database, tenant_id)
        cached = self._zones.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        zone = read()
        self._zones[key] = (time.monotonic() + self.ZONE_SECONDS, zone)
        return zone


TENANT_ZONES = TenantZones()
