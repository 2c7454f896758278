"""The BookingBug dialect (spec 001): /api/sessions.xml, /api/sessions/{id}.xml, /api/slots/{id}.xml.

See docs/dialects/bookingbug.md.
"""

from __future__ import annotations

import re

from bookable.api.errors import Dialect, register

from .errors import render_errors, status_for
from .routes import router

PATHS = re.compile(r"^/api/(sessions|slots)(/|\.|$)")

register(
    Dialect(
        name="bookingbug",
        pattern=PATHS,
        render=render_errors,
        status_for=status_for,
    )
)

__all__ = ["PATHS", "router"]
