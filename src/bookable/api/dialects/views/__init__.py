"""The Views dialect (spec 000): session participants, registers, payments, confirmation.

See docs/dialects/views.md for the mapping onto the engine and every decision taken.
"""

from __future__ import annotations

import re

from bookable.api.dialects.views.render import render_failure
from bookable.api.dialects.views.routes import router
from bookable.api.errors import Dialect, register

PATHS = re.compile(r"^/api/restful/")
register(Dialect(name="views", pattern=PATHS, render=render_failure))

__all__ = ["PATHS", "router"]
