"""BRP API ver2 (specs 002 and 003): `/{tenant}/api/ver2/{resource}[.xml|.json]`. See docs/dialects/brp.md."""

from __future__ import annotations

import re

from bookable.api.dialects.brp import activities, bookings, catalogue, events, persons  # noqa: F401 - routes
from bookable.api.dialects.brp.errors import render_failure, status_for
from bookable.api.dialects.brp.routing import router
from bookable.api.errors import Dialect, register

PATHS = re.compile(r"^/[^/]+/api/ver2/")
register(Dialect(name="brp", pattern=PATHS, render=render_failure, status_for=status_for))

__all__ = ["PATHS", "router"]
