"""YourMembership (ServiceStack) dialect: event registration sessions in JSON, XML and JSV.

See docs/dialects/ym.md for the formats, the error table and the decisions behind them.
"""

from __future__ import annotations

import re

from bookable.api import errors
from bookable.api.dialects.ym import envelope
from bookable.api.dialects.ym.routes import router

PATHS = re.compile(r"^/Ams/")
errors.register(errors.Dialect(name="ym", pattern=PATHS, render=envelope.render,
                               status_for=envelope.status_for))

__all__ = ["PATHS", "router"]
